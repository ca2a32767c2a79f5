"""The SmartSense API the simulator serves: tokens, asset listing, readings, faults."""

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import timedelta
from functools import partial

from aiohttp import web

from . import contract, timeline, variants
from .auth import TokenStore, basic_credentials, bearer_token
from .data import SensorPoint, Store
from .faults import LISTING_KINDS, FaultQueue, listed_under

type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 100
MAX_WINDOW = timedelta(days=7)
# The page size a "lying_total" fault serves (and says it serves).
LYING_PAGE_SIZE = 7
_JSON_TYPES = frozenset({"application/json", "application/*", "*/*"})


def _text(status: int, text: str, **headers: str) -> web.Response:
    return web.Response(status=status, text=text, headers=headers)


def _unauthorized() -> web.Response:
    return _text(
        401,
        "401: invalid or expired access token",
        WWW_Authenticate='Bearer error="invalid_token"',
    )


def _accepts_json(accept: str | None) -> bool:
    if accept is None:
        return True
    ranges = {part.split(";")[0].strip().lower() for part in accept.split(",")}
    return not ranges.isdisjoint(_JSON_TYPES)


def _route_key(request: web.Request) -> str:
    """The route template ("/sensorpoints/{id}/readings"), else the raw path."""
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else request.path


class SmartSenseApi:
    """The API's handlers and what they answer from.

    Requests are counted per route, and a queued fault replaces or bends the
    answer (see ``FaultQueue``); paths under ``/_sim/`` pass untouched.
    """

    def __init__(
        self,
        store: Store,
        tokens: TokenStore,
        faults: FaultQueue,
        data_refused: set[str],
        *,
        interval: int,
        now: Callable[[], float],
        token_lifetime: int,
    ) -> None:
        """Serve what the simulator holds, on its clock ``now`` (epoch seconds).

        Args:
            store: the accounts, assets and sensor points.
            tokens: the tokens issued.
            faults: the faults queued.
            data_refused: clients whose data requests answer 401 although
                tokens are issued.
            interval: seconds between two readings of a sensor point.
            now: the simulated time.
            token_lifetime: the ``expires_in`` of the tokens issued.
        """
        self.store = store
        self.tokens = tokens
        self.faults = faults
        self.data_refused = data_refused
        self.request_counts: Counter[str] = Counter()
        # A contract variant the data endpoints answer in (see variants).
        self.variant: str | None = None
        self.token_lifetime = token_lifetime
        self._interval = interval
        self._now = now

    def add_routes(self, app: web.Application) -> None:
        """Route SmartSense's paths to the handlers (``middleware`` goes first)."""
        app.router.add_post("/auth/oauth", self._oauth)
        app.router.add_get("/assets", self._assets)
        app.router.add_get("/sensorpoints/{id}/readings", self._readings)

    @web.middleware
    async def middleware(
        self, request: web.Request, handler: Handler
    ) -> web.StreamResponse:
        """Count the request and apply the fault queued for its path, if any."""
        if request.path.startswith("/_sim/"):
            return await handler(request)
        self.request_counts[_route_key(request)] += 1
        fault = self.faults.take(request.path, self._now())
        if fault is None:
            return await self._serve(request, handler)
        if fault.delay:
            await asyncio.sleep(fault.delay)
        if fault.status is not None:
            return fault.status_response(fault.status)
        return await self._misbehave(request, handler, fault.kind)

    async def _misbehave(
        self, request: web.Request, handler: Handler, kind: str | None
    ) -> web.StreamResponse:
        match kind:
            case "disconnect":
                # Writing this response fails; aiohttp drops it quietly.
                request.protocol.force_close()
                return web.Response()
            case "malformed_json":
                return web.Response(
                    text='{"data": [{"id": "a-', content_type="application/json"
                )
            case "wrong_content_type":
                return web.Response(
                    text="<html><body><h1>Down for maintenance</h1></body></html>",
                    content_type="text/html",
                )
            case "truncated":
                response = await self._serve(request, handler)
                if isinstance(response, web.Response) and isinstance(
                    response.body, bytes
                ):
                    response.body = response.body[: len(response.body) // 2]
                return response
            case kind if kind in LISTING_KINDS:
                return await self._serve(request, partial(self._assets, listing=kind))
            case "repeat_page":
                # Serve the previous page again, as a server with a stale cursor would.
                page = request.query.get("page", "1")
                if page.isdigit() and int(page) > 1:
                    query = {**request.query, "page": str(int(page) - 1)}
                    request = request.clone(rel_url=request.rel_url.with_query(query))
        return await self._serve(request, handler)

    async def _serve(
        self, request: web.Request, handler: Handler
    ) -> web.StreamResponse:
        if not _accepts_json(request.headers.get("Accept")):
            return _text(406, "406: only application/json is available")
        response = await handler(request)
        if (
            self.variant is None
            or request.path == "/auth/oauth"
            or response.status != 200
            or not isinstance(response, web.Response)
            or not isinstance(response.body, bytes)
        ):
            return response
        readings = request.path.startswith("/sensorpoints/")
        return variants.answer(self.variant, readings, response.body)

    async def _oauth(self, request: web.Request) -> web.Response:
        credentials = basic_credentials(request.headers.get("Authorization"))
        if credentials is None:
            return _text(401, "401: client credentials required (HTTP Basic)")
        client_id, secret = credentials
        state = self.store.accounts.get(client_id)
        if state is None:
            return web.json_response({"error": "invalid_client"}, status=400)
        if secret != state.account.client_secret:
            return _text(401, "401: invalid client credentials")
        form = await request.post()
        grant_type = form.get("grant_type")
        if grant_type is None:
            return web.json_response({"error": "invalid_request"}, status=400)
        if grant_type != "client_credentials":
            return web.json_response({"error": "unsupported_grant_type"}, status=400)
        token = self.tokens.issue(client_id, self.token_lifetime, self._now())
        return web.json_response(
            {
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": self.token_lifetime,
            }
        )

    def _client(self, request: web.Request) -> str | None:
        token = bearer_token(request.headers.get("Authorization"))
        client_id = self.tokens.client_for(token, self._now())
        return None if client_id in self.data_refused else client_id

    async def _assets(
        self, request: web.Request, listing: str | None = None
    ) -> web.Response:
        client_id = self._client(request)
        if client_id is None:
            return _unauthorized()
        try:
            page = int(request.query.get("page", "1"))
            size = int(request.query.get("pageSize", str(DEFAULT_PAGE_SIZE)))
        except ValueError:
            return _text(400, "400: page and pageSize must be integers")
        if page < 1 or size < 1 or size > MAX_PAGE_SIZE:
            return _text(
                400, f"400: page must be >= 1 and pageSize 1 to {MAX_PAGE_SIZE}"
            )
        assets = listed_under(
            listing, list(self.store.account(client_id).assets.values())
        )
        if listing == "lying_total":
            size = min(size, LYING_PAGE_SIZE)
        now = self._now()
        start = (page - 1) * size
        data = [
            contract.asset_json(asset, self._interval, now)
            for asset in assets[start : start + size]
        ]
        total = len(data) if listing == "lying_total" else len(assets)
        return web.json_response(
            {"data": data, "page": page, "pageSize": size, "totalCount": total}
        )

    async def _readings(self, request: web.Request) -> web.Response:
        client_id = self._client(request)
        if client_id is None:
            return _unauthorized()
        point = self.store.points.get(request.match_info["id"])
        if point is None or self._owner(point) != client_id:
            return _text(404, "404: no such sensor point")
        try:
            start = contract.parse_iso(request.query["start"])
            end = contract.parse_iso(request.query["end"])
        except KeyError, ValueError:
            return _text(
                400, "400: start and end must be ISO 8601 dates with an offset"
            )
        if start > end or end - start > MAX_WINDOW:
            return _text(
                422, "422: start must not be after end, and the window at most 7 days"
            )
        found = timeline.window(
            point, self._interval, self._now(), start.timestamp(), end.timestamp()
        )
        return web.json_response({"data": [contract.reading_json(r) for r in found]})

    def _owner(self, point: SensorPoint) -> str:
        return self.store.assets[point.asset_id].client_id
