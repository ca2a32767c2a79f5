"""The simulated SmartSense service: aiohttp app, clock and Python control."""

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from functools import partial

from aiohttp import web

from . import contract, timeline
from .auth import TokenStore, basic_credentials, bearer_token
from .config import SimConfig
from .control import add_control_routes
from .data import SensorPoint, Store
from .faults import LISTING_KINDS, Fault, FaultQueue, listed_under

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


class Simulator:
    """A SmartSense API on localhost, with a controllable clock and data."""

    def __init__(self, config: SimConfig | None = None) -> None:
        self.config = config or SimConfig()
        interval = self.config.report_interval.total_seconds()
        if interval < 1 or interval != int(interval):
            raise ValueError("report_interval must be a whole number of seconds")
        self._interval = int(interval)
        self.token_lifetime = self.config.token_lifetime
        self.request_counts: Counter[str] = Counter()
        self._offset = timedelta()
        self._store = Store(self.config.accounts)
        self._tokens = TokenStore()
        # Clients whose data requests answer 401 although tokens are issued.
        self._data_refused: set[str] = set()
        self._faults = FaultQueue()
        self._runner: web.AppRunner | None = None
        self._url: str | None = None
        self.app = web.Application(middlewares=[self._middleware])
        self.app.router.add_post("/auth/oauth", self._oauth)
        self.app.router.add_get("/assets", self._assets)
        self.app.router.add_get("/sensorpoints/{id}/readings", self._readings)
        add_control_routes(self.app, self)

    # -- server -------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        # Handlers are cancelled when the client goes away, so a delayed answer
        # to a client that timed out does not hold up stop().
        self._runner = web.AppRunner(
            self.app, handler_cancellation=True, shutdown_timeout=1.0, access_log=None
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        bound_port = self._runner.addresses[0][1]
        self._url = f"http://{host}:{bound_port}"
        return self._url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def url(self) -> str:
        if self._url is None:
            raise RuntimeError("the simulator has not been started")
        return self._url

    # -- clock --------------------------------------------------------------

    def now(self) -> datetime:
        # datetime.now, not a monotonic clock, so freezegun moves it too.
        return datetime.now(UTC) + self._offset

    def advance(self, seconds: float) -> None:
        self._offset += timedelta(seconds=seconds)

    def _now(self) -> float:
        return self.now().timestamp()

    # -- auth control -------------------------------------------------------

    def revoke_tokens(self) -> None:
        self._tokens.revoke_all()

    def rotate_secret(self, client_id: str, new_secret: str) -> None:
        self._store.account(client_id).account.client_secret = new_secret
        self._tokens.revoke_client(client_id)

    def refuse_data(self, client_id: str = "demo", refused: bool = True) -> None:
        """Answer the client's data requests 401 while its tokens are still issued."""
        if refused:
            self._data_refused.add(client_id)
        else:
            self._data_refused.discard(client_id)

    # -- faults -------------------------------------------------------------

    def add_fault(
        self,
        path: str,
        *,
        count: int = 1,
        status: int | None = None,
        body: str | None = None,
        retry_after: str | None = None,
        delay: float | None = None,
        kind: str | None = None,
        seconds: float | None = None,
    ) -> None:
        """The next `count` requests whose path starts with `path` get this fault.

        With `seconds`, every such request gets it for that long instead (on the
        simulator's clock), such as a 429 through the first minute of a start.
        """
        until = None
        if seconds is not None:
            if seconds <= 0:
                raise ValueError("seconds must be positive")
            until = self._now() + seconds
        self._faults.add(
            path, Fault(count, status, body, retry_after, delay, kind, until)
        )

    def clear_faults(self) -> None:
        self._faults.clear()

    # -- data control -------------------------------------------------------

    def asset_ids(
        self, client_id: str = "demo", location_id: str | None = None
    ) -> list[str]:
        """The account's assets, or those of one location."""
        assets = self._store.account(client_id).assets.values()
        return [
            asset.id
            for asset in assets
            if location_id is None or asset.location.id == location_id
        ]

    def locations(self, client_id: str = "demo") -> dict[str, str]:
        """The account's locations: id -> name."""
        return {
            location.id: location.name
            for location in self._store.account(client_id).locations
        }

    def sensor_point_ids(
        self, client_id: str = "demo", asset_id: str | None = None
    ) -> list[str]:
        if asset_id is not None:
            return [point.id for point in self._store.asset(asset_id).points]
        assets = self._store.account(client_id).assets.values()
        return [point.id for asset in assets for point in asset.points]

    def add_asset(
        self,
        asset_type: str,
        name: str | None = None,
        *,
        client_id: str = "demo",
        location: str | None = None,
    ) -> str:
        """Add an asset with its type's usual sensor points; returns its id.

        `location` names its location; a name the account lacks adds a location.
        """
        return self._store.add_asset(
            self._store.account(client_id), asset_type, name, location=location
        ).id

    def remove_asset(self, asset_id: str) -> None:
        self._store.remove_asset(asset_id)

    def add_sensor_point(
        self,
        asset_id: str,
        reading_type: str,
        name: str | None = None,
        unit: str | None = None,
    ) -> str:
        return self._store.add_point(
            self._store.asset(asset_id), reading_type, name, unit
        ).id

    def remove_sensor_point(self, sensor_point_id: str) -> None:
        self._store.remove_point(sensor_point_id)

    def patch_asset(self, asset_id: str, **raw: object) -> None:
        """Override fields of the asset's JSON; a value of DELETE removes the field."""
        self._store.asset(asset_id).patch.update(raw)

    def patch_sensor_point(self, sensor_point_id: str, **raw: object) -> None:
        """Override fields of the point's JSON; a value of DELETE removes the field."""
        self._store.point(sensor_point_id).patch.update(raw)

    def push_reading(
        self, sensor_point_id: str, value: float, at: datetime | None = None
    ) -> None:
        """An extra reading, delivered now; it replaces a reading taken at the same second."""
        point = self._store.point(sensor_point_id)
        taken = int((at or self.now()).timestamp())
        point.extras[taken] = (value, self._now())

    def set_offline(self, sensor_point_id: str, offline: bool = True) -> None:
        """Offline points deliver nothing; what they took arrives when back online."""
        timeline.set_offline(self._store.point(sensor_point_id), offline, self._now())

    def readings(
        self, sensor_point_id: str, start: datetime, end: datetime
    ) -> list[tuple[datetime, float]]:
        """What /readings would return now for [start, end)."""
        point = self._store.point(sensor_point_id)
        found = timeline.window(
            point, self._interval, self._now(), start.timestamp(), end.timestamp()
        )
        return [(datetime.fromtimestamp(t, UTC), value) for t, value in found]

    def latest(self, sensor_point_id: str) -> tuple[datetime, float] | None:
        """What lastReading would be now."""
        reading = timeline.latest(
            self._store.point(sensor_point_id), self._interval, self._now()
        )
        return (
            None
            if reading is None
            else (datetime.fromtimestamp(reading[0], UTC), reading[1])
        )

    def reset_counts(self) -> None:
        self.request_counts.clear()

    def state(self) -> dict[str, object]:
        """Summary served by GET /_sim/state."""
        return {
            "now": contract.iso(self._now()),
            "accounts": {
                client_id: {
                    "locations": self.locations(client_id),
                    "assets": self.asset_ids(client_id),
                    "sensor_points": self.sensor_point_ids(client_id),
                }
                for client_id in self._store.accounts
            },
        }

    # -- the API ------------------------------------------------------------

    @web.middleware
    async def _middleware(
        self, request: web.Request, handler: Handler
    ) -> web.StreamResponse:
        if request.path.startswith("/_sim/"):
            return await handler(request)
        self.request_counts[_route_key(request)] += 1
        fault = self._faults.take(request.path, self._now())
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
        return await handler(request)

    async def _oauth(self, request: web.Request) -> web.Response:
        credentials = basic_credentials(request.headers.get("Authorization"))
        if credentials is None:
            return _text(401, "401: client credentials required (HTTP Basic)")
        client_id, secret = credentials
        state = self._store.accounts.get(client_id)
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
        token = self._tokens.issue(client_id, self.token_lifetime, self._now())
        return web.json_response(
            {
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": self.token_lifetime,
            }
        )

    def _client(self, request: web.Request) -> str | None:
        token = bearer_token(request.headers.get("Authorization"))
        client_id = self._tokens.client_for(token, self._now())
        return None if client_id in self._data_refused else client_id

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
            listing, list(self._store.account(client_id).assets.values())
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
        point = self._store.points.get(request.match_info["id"])
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
        return self._store.assets[point.asset_id].client_id
