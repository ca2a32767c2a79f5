"""The simulated SmartSense service: aiohttp app, clock and Python control."""

from collections import Counter
from datetime import UTC, datetime, timedelta

from aiohttp import web

from . import contract, timeline, variants
from .api import SmartSenseApi
from .auth import TokenStore
from .config import SimConfig
from .control import add_control_routes
from .data import Store
from .faults import Fault, FaultQueue


class Simulator:
    """A SmartSense API on localhost, with a controllable clock and data."""

    def __init__(self, config: SimConfig | None = None) -> None:
        """Lay out the accounts of ``config``; ``start`` serves them."""
        self.config = config or SimConfig()
        interval = self.config.report_interval.total_seconds()
        if interval < 1 or interval != int(interval):
            raise ValueError("report_interval must be a whole number of seconds")
        self._interval = int(interval)
        self._offset = timedelta()
        self._store = Store(self.config.accounts)
        self._tokens = TokenStore()
        self._faults = FaultQueue()
        # Clients whose data requests answer 401 although tokens are issued.
        self._data_refused: set[str] = set()
        self._api = SmartSenseApi(
            self._store,
            self._tokens,
            self._faults,
            self._data_refused,
            interval=self._interval,
            now=self._now,
            token_lifetime=self.config.token_lifetime,
        )
        self._runner: web.AppRunner | None = None
        self._url: str | None = None
        self.app = web.Application(middlewares=[self._api.middleware])
        self._api.add_routes(self.app)
        add_control_routes(self.app, self)

    @property
    def request_counts(self) -> Counter[str]:
        """Requests served per route template ("/sensorpoints/{id}/readings")."""
        return self._api.request_counts

    @property
    def token_lifetime(self) -> int:
        """The ``expires_in``, in seconds, of the tokens issued from now on."""
        return self._api.token_lifetime

    @token_lifetime.setter
    def token_lifetime(self, seconds: int) -> None:
        self._api.token_lifetime = seconds

    # -- server -------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve on ``host``:``port`` (0: a free port); returns the base URL."""
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
        """Stop serving and free the port."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def url(self) -> str:
        """The base URL being served; ``RuntimeError`` before ``start``."""
        if self._url is None:
            raise RuntimeError("the simulator has not been started")
        return self._url

    # -- clock --------------------------------------------------------------

    def now(self) -> datetime:
        """The simulated time: the real time moved on by ``advance``."""
        # datetime.now, not a monotonic clock, so freezegun moves it too.
        return datetime.now(UTC) + self._offset

    def advance(self, seconds: float) -> None:
        """Move the simulated time forward: readings are taken, tokens expire."""
        self._offset += timedelta(seconds=seconds)

    def _now(self) -> float:
        return self.now().timestamp()

    # -- auth control -------------------------------------------------------

    def revoke_tokens(self) -> None:
        """Invalidate every token issued, as if SmartSense had restarted."""
        self._tokens.revoke_all()

    def rotate_secret(self, client_id: str, new_secret: str) -> None:
        """Give the client a new secret and invalidate its tokens."""
        self._store.account(client_id).account.client_secret = new_secret
        self._tokens.revoke_client(client_id)

    def refuse_data(self, client_id: str = "demo", refused: bool = True) -> None:
        """Answer the client's data requests 401 while its tokens are still issued."""
        if refused:
            self._data_refused.add(client_id)
        else:
            self._data_refused.discard(client_id)

    def answer_as(self, variant: str | None) -> None:
        """Answer the data endpoints in a contract variant (None: as modelled)."""
        if variant is not None and variant not in variants.VARIANTS:
            raise ValueError(f"unknown contract variant {variant!r}")
        self._api.variant = variant

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

    def pending_faults(self) -> int:
        """Uses left of the faults queued with a count."""
        return self._faults.pending()

    def clear_faults(self) -> None:
        """Drop every queued fault."""
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
        """The account's sensor points, or those of one asset."""
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
        """Remove an asset with its sensor points from the listing."""
        self._store.remove_asset(asset_id)

    def add_sensor_point(
        self,
        asset_id: str,
        reading_type: str,
        name: str | None = None,
        unit: str | None = None,
    ) -> str:
        """Add a sensor point to an asset; returns its id.

        Name and unit default to the reading type's usual ones.
        """
        return self._store.add_point(
            self._store.asset(asset_id), reading_type, name, unit
        ).id

    def remove_sensor_point(self, sensor_point_id: str) -> None:
        """Remove a sensor point from its asset."""
        self._store.remove_point(sensor_point_id)

    def patch_asset(self, asset_id: str, **raw: object) -> None:
        """Override fields of the asset's JSON; a value of DELETE removes the field."""
        self._store.asset(asset_id).patch.update(raw)

    def patch_sensor_point(self, sensor_point_id: str, **raw: object) -> None:
        """Override fields of the point's JSON; a value of DELETE removes the field."""
        self._store.point(sensor_point_id).patch.update(raw)

    def unpatch_sensor_point(self, sensor_point_id: str, *fields: str) -> None:
        """Drop overrides of the point's JSON: its fields are computed again."""
        patch = self._store.point(sensor_point_id).patch
        for name in fields:
            patch.pop(name, None)

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
        """Zero the request counts."""
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
