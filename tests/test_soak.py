"""Fault soak: weeks of simulated polling while SmartSense fails every way it can.

Seeded and repeatable. The default run makes about 200 polls; ``--soak`` makes
at least 2,000 (``--soak-seed`` picks another seed). docs/reliability.md keeps
the command and the summary table.

Every step lets 15 simulated minutes pass (the polling interval), sometimes
after injecting one fault through the simulator's control surface, sometimes
after changing the data (unknown enum values, assets and points that vanish and
return, late and out-of-order readings). After every step the test checks what
a user would see: entities unavailable exactly while a fault lasts and back,
with the simulator's values, at the first poll after it clears; no request
before a ``Retry-After`` has passed; no device or entity lost to a failed poll;
reauthentication only after a real secret rotation. At the end it checks the
log: no traceback but the coordinator's own, and no secret anywhere.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import format_datetime
import json
import logging
import math
import random
import sys
from typing import Any
from unittest.mock import patch
from urllib.parse import urlsplit

import freezegun.api
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import (
    ATTR_UNIT_OF_MEASUREMENT,
    CONF_CLIENT_SECRET,
    STATE_OFF,
    STATE_ON,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
    UnitOfTemperature,
)
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.update_coordinator import UpdateFailed
from homeassistant.util import dt as dt_util
from homeassistant.util.unit_conversion import TemperatureConverter
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.smartsense.api import SmartSenseError
from custom_components.smartsense.api.client import DEFAULT_TIMEOUT
from custom_components.smartsense.api.rate_limit import MAX_RETRY_AFTER
from custom_components.smartsense.const import DOMAIN
from custom_components.smartsense.coordinator import (
    SmartSenseCoordinator,
    SmartSenseData,
)
from custom_components.smartsense.diagnostics import (
    async_get_config_entry_diagnostics,
)
from custom_components.smartsense.removal import GRACE
from simulator import DELETE, Simulator
from simulator.api import LYING_PAGE_SIZE
from simulator.faults import listed_under

from .safety import DEMO_CLIENT_ID, LogGuard, exception_chain, exception_text

_LOGGER = logging.getLogger(__name__)
SEED = 20261128
DEFAULT_POLLS = 200
SOAK_POLLS = 2000
POLL = timedelta(minutes=15)
AUTH = "/auth/oauth"
ASSETS = "/assets"
# A delayed answer outlasts the client's timeout by this much.
HANG = 3600.0
# Chance that an idle step gets a fault, and that any step changes the data.
FAULT_RATE = 0.3
CHANGE_RATE = 0.15
MAX_POINTS = 14
# What SmartSense stopped listing goes GRACE after its last listing (or after
# the entry's last setup, if later); failed and suspect polls may delay that
# start by this much, never more in this mix.
REMOVAL_SLACK = timedelta(hours=6)

# Each fault: its name in the summary, and whether the poll it meets fails.
FAULTS: dict[str, bool] = {
    "401 token expired (revoked)": False,
    "401 once on /assets": False,
    "401 twice on /assets (fresh token refused too)": True,
    "data refused for 1-3 polls (tokens still issued)": True,
    "403 on /assets": True,
    "403 on token": True,
    "429 Retry-After seconds": True,
    "429 Retry-After date": True,
    "429 without Retry-After": True,
    "429 absurd Retry-After (a day to forever)": True,
    "500 on /assets": True,
    "500 on token": True,
    "503 on any path": True,
    "timeout on /assets": True,
    "timeout on token": True,
    "connection refused": True,
    "disconnect on /assets": True,
    "disconnect on token": True,
    "malformed JSON": True,
    "truncated JSON": True,
    "wrong content type": True,
    "totalCount changed mid-walk": False,
    "listing kept changing": True,
    "empty listing": False,
    "shrunken listing (1 asset)": False,
    "one asset missing": False,
    "lying totalCount": False,
    "secret rotated (reauth)": True,
}
LISTING_FAULTS = {
    "empty listing": "empty_listing",
    "shrunken listing (1 asset)": "shrunken_listing",
    "one asset missing": "missing_asset",
}
CHANGES = (
    "unknown status",
    "unknown readingType",
    "asset vanishes and returns",
    "point vanishes and returns",
    "late and out-of-order readings",
    "asset added",
    "asset removed",
)
SENSOR_KEYS = {"battery", "signal_strength", "last_reading"}
BINARY_KEYS = {"alarm", "connectivity"}


@dataclass
class Tally:
    """What the soak did, for the summary table."""

    faults: Counter[str] = field(default_factory=Counter)
    changes: Counter[str] = field(default_factory=Counter)
    steps: int = 0
    polls: int = 0
    failed_polls: int = 0
    deferred_steps: int = 0
    recoveries: int = 0
    max_recovery_polls: int = 0
    reauths: int = 0
    token_requests: int = 0
    removed_devices: int = 0
    removed_points: int = 0

    def table(self, seed: int, seconds: float) -> str:
        """The summary as Markdown."""
        lines = [
            f"Seed {seed}: {self.polls} polls in {self.steps} steps of 15 simulated "
            f"minutes ({self.steps * POLL / timedelta(days=1):.1f} days), "
            f"{seconds:.1f} s of wall time.",
            "",
            "| fault injected | times |",
            "|---|---:|",
            *(f"| {name} | {self.faults[name]} |" for name in FAULTS),
            f"| **all faults** | **{self.faults.total()}** |",
            "",
            "| data change | times |",
            "|---|---:|",
            *(f"| {name} | {self.changes[name]} |" for name in CHANGES),
            "",
            "| outcome | count |",
            "|---|---:|",
            f"| polls | {self.polls} |",
            f"| failed polls | {self.failed_polls} |",
            f"| steps without a poll (Retry-After, awaiting reauth) | "
            f"{self.deferred_steps} |",
            f"| recoveries | {self.recoveries} |",
            f"| max polls to recover after a fault cleared | "
            f"{self.max_recovery_polls} |",
            f"| reauthentications (all after a rotation) | {self.reauths} |",
            f"| devices removed (unlisted for {GRACE.total_seconds() / 3600:.0f} h) | "
            f"{self.removed_devices} |",
            f"| sensor points removed (the same) | {self.removed_points} |",
            f"| token requests | {self.token_requests} |",
        ]
        return "\n".join(lines)


@dataclass
class Snapshot:
    """What a failed poll must leave untouched."""

    data: SmartSenseData
    entities: dict[tuple[str, str], str]
    devices: dict[str, str]
    requests: int
    refreshes: int


class Soak:
    """One soak run against one config entry and one simulator."""

    def __init__(
        self,
        hass: HomeAssistant,
        freezer: FrozenDateTimeFactory,
        simulator: Simulator,
        entry: MockConfigEntry,
        guard: LogGuard,
        seed: int,
    ) -> None:
        """Bind the run to its Home Assistant, clock, simulator and seed."""
        self.hass = hass
        self.freezer = freezer
        self.sim = simulator
        self.entry = entry
        self.guard = guard
        self.rng = random.Random(seed)  # noqa: S311 - repeatable, not secret
        self.tally = Tally()
        self.refreshes = 0
        port = urlsplit(simulator.url).port
        assert port is not None
        self._port = port
        self._bag: list[str] = []
        # The fault state: what the next steps must show.
        self.fail_polls = 0
        self.timeout_next = False
        self.server_down = 0
        self.stopped = False
        self.quiet_until: datetime | None = None
        self.next_quiet: datetime | None = None
        self.poll_due: tuple[datetime, datetime] | None = None
        self.rotation: str | None = None
        self.rotation_polled = False
        self.user_delay = 0
        self.last_failed_poll: int | None = None
        # The data state: what SmartSense lists, as the test changed it.
        self.types: dict[str, str] = {}
        self.hidden_assets: set[str] = set()
        self.hidden_points: set[str] = set()
        self.unknown_status: set[str] = set()
        self.unknown_type: set[str] = set()
        self.added_assets: list[str] = []
        self.ghosts: set[str] = set()
        # The listing fault (simulator kind) of the next poll, and when each
        # id was last listed.
        self.listing_fault: str | None = None
        self.last_listed: dict[str, datetime] = {}
        # When the entry was last set up: removal times are kept in memory,
        # so a reload (after reauthentication) may delay a removal.
        self.set_up = self.now()
        self.undo: list[tuple[int, Callable[[], None]]] = []

    # -- helpers -----------------------------------------------------------------

    @property
    def coordinator(self) -> SmartSenseCoordinator:
        """The entry's coordinator (a new one after each reload)."""
        coordinator: SmartSenseCoordinator = self.entry.runtime_data.coordinator
        return coordinator

    def requests(self) -> int:
        """Requests SmartSense has received so far."""
        return self.sim.request_counts.total()

    def pending_faults(self) -> int:
        """Uses left of the faults queued in the simulator."""
        return self.sim.pending_faults()

    def entities(self) -> dict[tuple[str, str], str]:
        """(domain, unique id) -> entity id of every entity of the entry."""
        return {
            (entity.domain, entity.unique_id): entity.entity_id
            for entity in er.async_entries_for_config_entry(
                er.async_get(self.hass), self.entry.entry_id
            )
        }

    def devices(self) -> dict[str, str]:
        """Asset id -> device id of every device of the entry."""
        return {
            identifier: device.id
            for device in dr.async_entries_for_config_entry(
                dr.async_get(self.hass), self.entry.entry_id
            )
            for domain, identifier in device.identifiers
            if domain == DOMAIN
        }

    def snapshot(self) -> Snapshot:
        """The state a failed poll must not change."""
        return Snapshot(
            self.coordinator.data,
            self.entities(),
            self.devices(),
            self.requests(),
            self.refreshes,
        )

    def now(self) -> datetime:
        """Simulated time (Home Assistant's and the simulator's alike)."""
        return dt_util.utcnow()

    def reauth_flows(self) -> list[str]:
        """The ids of the reauthentication flows in progress."""
        return [
            flow["flow_id"]
            for flow in self.hass.config_entries.flow.async_progress()
            if flow["context"]["source"] == SOURCE_REAUTH
        ]

    def listed(self) -> tuple[set[str], set[str]]:
        """The assets and sensor points SmartSense lists validly right now."""
        ids = listed_under(self.listing_fault, self.sim.asset_ids())
        assets = set(ids) - self.hidden_assets
        points = {
            point_id
            for asset_id in assets
            for point_id in self.sim.sensor_point_ids(asset_id=asset_id)
        } - self.hidden_points
        return assets, points

    def idle(self) -> bool:
        """No fault lasts: the next poll is due and must succeed."""
        return (
            self.fail_polls == 0
            and not self.server_down
            and self.rotation is None
            and self.poll_due is None
            and self.coordinator.last_update_success
        )

    def later(self, steps: int, action: Callable[[], None]) -> None:
        """Run ``action`` before the step that comes ``steps`` from now."""
        self.undo.append((self.tally.steps + steps, action))

    # -- faults ------------------------------------------------------------------

    def inject(self) -> None:  # noqa: PLR0912 - a branch per fault kind
        """Inject the next fault of a shuffled bag that holds each kind once."""
        if not self._bag:
            self._bag = list(FAULTS)
            self.rng.shuffle(self._bag)
        name = self._bag.pop()
        _LOGGER.debug("Step %s: injecting %s", self.tally.steps, name)
        self.tally.faults[name] += 1
        sim, rng = self.sim, self.rng
        body = rng.choice(["", "oops", "<html>Bad gateway</html>", '{"error": 1}'])
        if "token" in name:
            # Only a renewal reaches the token path: revoke to force one now.
            sim.revoke_tokens()
        target = AUTH if "token" in name else ASSETS
        match name:
            case "401 token expired (revoked)":
                sim.revoke_tokens()
            case "401 once on /assets":
                sim.add_fault(ASSETS, status=401)
            case "401 twice on /assets (fresh token refused too)":
                # An outage, not refused credentials: no reauthentication.
                sim.add_fault(ASSETS, status=401, count=2)
            case "data refused for 1-3 polls (tokens still issued)":
                polls = rng.randint(1, 3)
                sim.refuse_data(DEMO_CLIENT_ID)
                self.later(
                    polls, lambda: sim.refuse_data(DEMO_CLIENT_ID, refused=False)
                )
                self.fail_polls = polls
            case "403 on /assets" | "403 on token":
                sim.add_fault(target, status=403, body=body or "forbidden")
            case "500 on /assets" | "500 on token":
                sim.add_fault(target, status=500, body=body or "oops")
            case "503 on any path":
                sim.add_fault("/", status=503, body="maintenance")
            case "429 Retry-After seconds":
                seconds = rng.choice([1, 5, 60, 600, 899, 900, 1200, 3600, 7200])
                self._rate_limit(str(seconds), float(seconds))
            case "429 Retry-After date":
                seconds = rng.choice([0, 300, 2000, 5400])
                when = self.now() + POLL + timedelta(seconds=seconds)
                self._rate_limit(
                    format_datetime(when, usegmt=True),
                    (when.replace(microsecond=0) - self.now() - POLL).total_seconds(),
                )
            case "429 without Retry-After":
                self._rate_limit(rng.choice([None, "soon", ""]), None)
            case "429 absurd Retry-After (a day to forever)":
                # The client waits an hour at most; the checks expect that.
                seconds = rng.choice([86_400, 31_536_000, 10**15])
                self._rate_limit(str(seconds), float(seconds))
            case "timeout on /assets" | "timeout on token":
                sim.add_fault(target, delay=HANG)
                self.timeout_next = True
            case "connection refused":
                self.server_down = rng.randint(1, 3)
            case "disconnect on /assets":
                # aiohttp sends an idempotent GET again after a disconnect.
                sim.add_fault(ASSETS, kind="disconnect", count=2)
            case "disconnect on token":
                sim.add_fault(AUTH, kind="disconnect")
            case "malformed JSON" | "truncated JSON" | "wrong content type":
                kind = name.replace(" JSON", "").replace(" ", "_")
                kind = {"malformed": "malformed_json"}.get(kind, kind)
                sim.add_fault(rng.choice([ASSETS, "/"]), kind=kind)
            case "totalCount changed mid-walk":
                ghost = f"ghost-{self.tally.steps}"
                self.ghosts.add(ghost)
                total = len(sim.asset_ids())
                sim.add_fault(
                    ASSETS,
                    status=200,
                    body=json.dumps(
                        {
                            "data": [
                                {"id": ghost, "name": "Ghost", "sensorPoints": []}
                            ],
                            "page": 1,
                            "pageSize": 500,
                            "totalCount": total + 1,
                        }
                    ),
                )
            case "listing kept changing":
                total = len(sim.asset_ids())
                body = json.dumps(
                    {"data": [], "page": 1, "pageSize": 500, "totalCount": total + 3}
                )
                sim.add_fault(ASSETS, count=3, status=200, body=body)
            case "empty listing" | "shrunken listing (1 asset)" | "one asset missing":
                self.listing_fault = LISTING_FAULTS[name]
                sim.add_fault(ASSETS, kind=self.listing_fault)
            case "lying totalCount":
                pages = len(sim.asset_ids()) // LYING_PAGE_SIZE + 1
                sim.add_fault(ASSETS, kind="lying_total", count=pages)
            case "secret rotated (reauth)":
                secret = f"rotated-{rng.getrandbits(64):016x}"
                self.guard.secrets.add_credentials(DEMO_CLIENT_ID, secret)
                sim.rotate_secret(DEMO_CLIENT_ID, secret)
                self.rotation = secret
                self.rotation_polled = False
                self.user_delay = rng.randint(0, 3)
        if FAULTS[name] and not self.fail_polls and name != "connection refused":
            self.fail_polls = 1

    def _rate_limit(self, header: str | None, seconds: float | None) -> None:
        """429 on the next poll; note when SmartSense may be asked again."""
        self.sim.add_fault(
            self.rng.choice([ASSETS, "/"]), status=429, retry_after=header
        )
        _LOGGER.debug("429 with %r (%s s)", header, seconds)
        if seconds is not None:
            seconds = min(seconds, MAX_RETRY_AFTER)  # the client's cap
        poll_at = self.now() + POLL
        wait = max(seconds or 0.0, POLL.total_seconds())
        # Not before the coordinator's wait; at the first step after it (plus
        # the up to 0.5 s the coordinator spreads its polls by).
        self.poll_due = (
            poll_at + timedelta(seconds=wait - 0.001),
            poll_at + timedelta(seconds=wait + 0.5),
        )
        if seconds is not None:
            # From the 429 on; the poll that meets the 429 is the last before.
            self.next_quiet = poll_at + timedelta(seconds=seconds)

    # -- data changes ------------------------------------------------------------

    def change(self) -> None:
        """Change what SmartSense lists, as its users and sensors do."""
        name = self.rng.choice(CHANGES)
        assets, points = self.listed()
        known = sorted(point for point in points if point in self.types)
        sim, rng = self.sim, self.rng
        match name:
            case "unknown status" if known:
                point = rng.choice(known)
                sim.patch_sensor_point(point, status="Defrosting")
                self.unknown_status.add(point)
                self.later(rng.randint(1, 6), lambda: self._restore_status(point))
            case "unknown readingType" if candidates := [
                p for p in known if self.types[p] != "DoorOpen"
            ]:
                point = rng.choice(candidates)
                sim.patch_sensor_point(point, readingType="Vibration")
                self.unknown_type.add(point)
                self.later(rng.randint(1, 6), lambda: self._restore_type(point))
            case "asset vanishes and returns" if len(assets) > 1:
                asset = rng.choice(sorted(assets))
                sim.patch_asset(asset, id=DELETE)
                self.hidden_assets.add(asset)
                self.later(rng.randint(1, 4), lambda: self._restore_asset(asset))
            case "point vanishes and returns" if known:
                point = rng.choice(known)
                sim.patch_sensor_point(point, id=DELETE)
                self.hidden_points.add(point)
                self.later(rng.randint(1, 4), lambda: self._restore_point(point))
            case "late and out-of-order readings" if known:
                point = rng.choice(known)
                latest = sim.latest(point)
                assert latest is not None
                for _ in range(rng.randint(1, 4)):
                    # Taken before the newest reading: never shown as current.
                    age = rng.uniform(1, 6 * POLL.total_seconds())
                    sim.push_reading(
                        point,
                        round(rng.uniform(-20, 80), 1),
                        at=latest[0] - timedelta(seconds=age),
                    )
            case "asset added" if len(points) < MAX_POINTS:
                asset_type = rng.choice(["Freezer", "Refrigerator", "Room"])
                self.added_assets.append(sim.add_asset(asset_type))
            case "asset removed" if self.added_assets:
                asset = self.added_assets.pop(rng.randrange(len(self.added_assets)))
                sim.remove_asset(asset)
                self.hidden_assets.discard(asset)
            case _:
                return
        self.tally.changes[name] += 1

    def _restore_status(self, point: str) -> None:
        if point in self.sim.sensor_point_ids():
            # Back to the status the simulator computes.
            self.sim.unpatch_sensor_point(point, "status")
        self.unknown_status.discard(point)

    def _restore_type(self, point: str) -> None:
        if point in self.sim.sensor_point_ids():
            self.sim.patch_sensor_point(point, readingType=self.types[point])
        self.unknown_type.discard(point)

    def _restore_asset(self, asset: str) -> None:
        if asset in self.sim.asset_ids():
            self.sim.patch_asset(asset, id=asset)
        self.hidden_assets.discard(asset)

    def _restore_point(self, point: str) -> None:
        if point in self.sim.sensor_point_ids():
            self.sim.patch_sensor_point(point, id=point)
        self.hidden_points.discard(point)

    # -- one step ----------------------------------------------------------------

    async def step(self) -> None:
        """Let one polling interval pass, then check everything a user sees."""
        if self.stopped and not self.server_down:
            await self.sim.start(port=self._port)
            self.stopped = False
        for due, action in [item for item in self.undo if item[0] <= self.tally.steps]:
            self.undo.remove((due, action))
            action()
        if self.idle() and self.rng.random() < FAULT_RATE:
            self.inject()
        if self.rng.random() < CHANGE_RATE:
            self.change()
        if self.server_down and not self.stopped:
            await self.sim.stop()
            self.stopped = True

        before = self.snapshot()
        tokens = self.guard.secrets.tokens
        if self.rotation is not None and self.rotation_polled and not self.user_delay:
            poll_time = await self.complete_reauth()
        elif self.timeout_next:
            poll_time = await self.poll_with_timeout()
        else:
            self.freezer.tick(POLL)
            async_fire_time_changed(self.hass)
            poll_time = self.now()
            await self.hass.async_block_till_done(wait_background_tasks=True)
        _LOGGER.debug("Step %s done at %s", self.tally.steps, self.now())
        self.tally.steps += 1
        self.tally.token_requests += self.guard.secrets.tokens - tokens
        self.check_step(before, poll_time)

    async def poll_with_timeout(self) -> datetime:
        """Poll while SmartSense holds the answer back past the client's timeout.

        Home Assistant's loop time is frozen too, so the client's timeout fires
        only when the test moves the clock on, once the request is held.
        """
        self.freezer.tick(POLL)
        async_fire_time_changed(self.hass)
        poll_time = self.now()
        for _ in range(10_000):
            if not self.pending_faults():
                break
            await asyncio.sleep(0)
        else:
            pytest.fail("the held request never reached the simulator")
        self.freezer.tick(timedelta(seconds=DEFAULT_TIMEOUT + 1))
        await self.hass.async_block_till_done(wait_background_tasks=True)
        self.timeout_next = False
        return poll_time

    async def complete_reauth(self) -> datetime:
        """The user enters the rotated secret (first, sometimes, the old one)."""
        assert self.rotation is not None
        (flow_id,) = self.reauth_flows()
        flow = self.hass.config_entries.flow
        if self.rng.random() < 0.3:
            stale = self.entry.data[CONF_CLIENT_SECRET]
            result = await flow.async_configure(flow_id, {CONF_CLIENT_SECRET: stale})
            assert result["type"] is FlowResultType.FORM
            assert result["errors"] == {"base": "invalid_auth"}
            self._check_placeholders(result.get("description_placeholders"))
        result = await flow.async_configure(
            flow_id,
            {CONF_CLIENT_SECRET: self.rotation},
        )
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "reauth_successful"
        await self.hass.async_block_till_done(wait_background_tasks=True)
        assert self.entry.state is ConfigEntryState.LOADED
        assert self.entry.data[CONF_CLIENT_SECRET] == self.rotation
        self.rotation = None
        self.set_up = self.now()
        self.tally.reauths += 1
        await self.check_secrets_elsewhere()
        return self.now()

    def _check_placeholders(self, placeholders: Any) -> None:
        text = json.dumps(placeholders or {})
        assert not self.guard.secrets.found_in(text)

    # -- checks ------------------------------------------------------------------

    def check_step(self, before: Snapshot, poll_time: datetime) -> None:
        """Everything one step must show, given the fault state it ran in."""
        now = self.now()
        polled = self.refreshes > before.refreshes
        requested = self.requests() > before.requests
        coordinator = self.coordinator
        success = coordinator.last_update_success
        assert self.refreshes - before.refreshes <= 1, "more than one poll a step"

        # No request before a Retry-After has passed.
        if requested and self.quiet_until is not None:
            assert poll_time >= self.quiet_until, (
                f"asked SmartSense at {poll_time}, Retry-After said {self.quiet_until}"
            )
        if self.quiet_until is not None and now >= self.quiet_until:
            self.quiet_until = None
        if polled and self.next_quiet is not None:
            self.quiet_until, self.next_quiet = self.next_quiet, None

        # Polls happen when due, and only then.
        expect_poll: bool | None = True
        if self.rotation is not None and self.rotation_polled:
            expect_poll = False  # polling stopped until the user reauthenticates
            self.user_delay = max(self.user_delay - 1, 0)
        elif self.poll_due is not None and self.fail_polls == 0:
            earliest, latest = self.poll_due
            expect_poll = True if now >= latest else None if now >= earliest else False
        if expect_poll is not None:
            assert polled is expect_poll, (
                f"step {self.tally.steps}: polled={polled}, expected {expect_poll}"
            )
        if not polled:
            self.tally.deferred_steps += 1
            self.check_failed(before)
            assert not requested
            self.check_reauth_flows()
            return

        # The poll.
        self.tally.polls += 1
        expect_success = not (
            self.fail_polls or self.server_down or self.rotation is not None
        )
        assert success is expect_success, (
            f"step {self.tally.steps}: poll success={success}, expected "
            f"{expect_success}: {coordinator.last_exception!r}"
        )
        if self.rotation is not None:
            self.rotation_polled = True
        self.check_reauth_flows()
        assert not self.pending_faults(), "a fault outlived the poll it was for"
        if success:
            if self.last_failed_poll is not None:
                recovery = self.tally.polls - self.last_failed_poll
                self.tally.recoveries += 1
                self.tally.max_recovery_polls = max(
                    self.tally.max_recovery_polls, recovery
                )
                self.last_failed_poll = None
            self.poll_due = None
            self.check_good(before)
            self.listing_fault = None
            return
        self.tally.failed_polls += 1
        self.last_failed_poll = self.tally.polls
        self.fail_polls = max(self.fail_polls - 1, 0)
        if self.server_down:
            self.server_down -= 1
        err = coordinator.last_exception
        assert isinstance(err, UpdateFailed | ConfigEntryAuthFailed), repr(err)
        assert isinstance(err.__cause__, SmartSenseError), repr(err.__cause__)
        assert not self.guard.secrets.found_in(exception_text(err))
        assert not self.guard.secrets.found_in(json.dumps(err.translation_placeholders))
        if self.poll_due is not None and self.poll_due[0] < now:
            self.poll_due = None  # this was not the rate-limited poll
        self.check_failed(before)

    def check_reauth_flows(self) -> None:
        """Reauthentication is asked for after a rotation, and only then."""
        flows = self.reauth_flows()
        if self.rotation is not None and self.rotation_polled:
            assert len(flows) == 1
        else:
            assert not flows, "reauthentication without a secret rotation"

    def check_failed(self, before: Snapshot) -> None:
        """A failed poll: everything unavailable, nothing lost or changed."""
        assert self.coordinator.data is before.data or self.rotation is not None
        assert self.entities() == before.entities
        assert self.devices() == before.devices
        for entity_id in before.entities.values():
            state = self.hass.states.get(entity_id)
            assert state is None or state.state == STATE_UNAVAILABLE, entity_id

    def check_removals(
        self, before: Snapshot | None, assets: set[str], points: set[str]
    ) -> None:
        """Nothing goes before GRACE without a listing; nothing long after.

        "Long after" counts from the last listing or, if later, the last
        setup: a reload may delay a removal, never hasten it.
        """
        now = self.now()
        service = self.entry.entry_id
        devices = set(self.devices()) - {service}
        entity_points = {
            unique_id.rpartition(":")[0] for _, unique_id in self.entities()
        }
        entity_points.discard(service)
        for kept in (devices - assets) | (entity_points - points):
            since = max(self.last_listed[kept], self.set_up)
            assert now - since < GRACE + REMOVAL_SLACK, kept
        if before is None:
            return
        lost_devices = set(before.devices) - devices - {service}
        lost_points = (
            {unique_id.rpartition(":")[0] for _, unique_id in before.entities}
            - entity_points
            - {service}
        )
        for lost in lost_devices | lost_points:
            assert now - self.last_listed[lost] >= GRACE, f"{lost} lost to a fault"
        self.tally.removed_devices += len(lost_devices)
        self.tally.removed_points += len(lost_points)

    def check_good(self, before: Snapshot | None = None) -> None:
        """A good poll: what SmartSense lists, with its values, all available."""
        data = self.coordinator.data
        assets, points = self.listed()
        assert set(data.assets) == assets
        assert set(data.points) == points
        for point in points:
            self.types.setdefault(point, str(data.points[point].reading_type))
        assert not self.ghosts & set(data.assets)
        # The account's own (service) device and its backfill sensor stay.
        service = self.entry.entry_id
        expected = {
            ("sensor", f"{service}:backfill_pending"),
            *(
                key
                for point in points
                for key in _entity_keys(point, self.types[point])
            ),
        }
        entities = self.entities()
        assert expected <= set(entities)
        devices = set(self.devices())
        with_points = {data.asset_of_point[point] for point in points}
        assert with_points | {service} <= devices
        now = self.now()
        for listed in (*assets, *points):
            self.last_listed[listed] = now
        self.check_removals(before, assets, points)
        registry = er.async_get(self.hass)
        for (_domain, unique_id), entity_id in entities.items():
            point, _, key = unique_id.rpartition(":")
            state = self.hass.states.get(entity_id)
            entry = registry.async_get(entity_id)
            assert entry is not None
            if entry.disabled_by is not None:
                assert state is None
                continue
            assert state is not None, entity_id
            if point == service:
                assert state.state != STATE_UNAVAILABLE
                continue
            if point not in points:
                # Not listed now: kept, unavailable, until its removal.
                assert state.state == STATE_UNAVAILABLE, entity_id
                continue
            latest = self.sim.latest(point)
            reading = data.points[point].last_reading
            assert (
                None if reading is None else (reading.timestamp, reading.value)
            ) == latest
            if key == "value" and data.is_stale(point, now):
                assert state.state == STATE_UNAVAILABLE, entity_id
                continue
            assert state.state != STATE_UNAVAILABLE, entity_id
            assert latest is not None
            if key == "last_reading":
                assert dt_util.parse_datetime(state.state) == latest[0]
            elif key == "value" and entity_id.startswith("binary_sensor."):
                assert state.state == (STATE_ON if latest[1] >= 0.5 else STATE_OFF)
            elif key == "value":
                _check_value(state.state, state.attributes, latest[1])
            elif key == "alarm" and point in self.unknown_status:
                assert state.state == STATE_UNKNOWN

    def check_log(self, since: int) -> None:
        """No traceback but the coordinator's own, no unexpected error."""
        for record in self.guard.records[since:]:
            text = record.getMessage()
            assert "Traceback" not in text, text
            assert "Unexpected error" not in text, text
            if record.name.startswith("aiohttp"):
                assert record.levelno < logging.WARNING, text
            if record.levelno >= logging.ERROR:
                assert record.name == "custom_components.smartsense", text
                assert str(record.msg).startswith(
                    ("Error fetching %s data", "Authentication failed while")
                ), text
            if record.exc_info and record.exc_info[1] is not None:
                err = record.exc_info[1]
                # The coordinator adds the failed poll's error at debug level.
                assert record.name == "custom_components.smartsense", text
                assert record.msg == "Full error:", text
                assert isinstance(err, UpdateFailed | ConfigEntryAuthFailed)
                # Under it only the client's errors (and its private control
                # flow, such as the 401 it answered by renewing the token).
                chain = list(exception_chain(err))[1:]
                assert chain, text
                assert all(_ours(link) for link in chain), chain

    async def check_secrets_elsewhere(self) -> None:
        """Diagnostics, states and the entry's exceptions show no secret."""
        diagnostics = await async_get_config_entry_diagnostics(self.hass, self.entry)
        assert not self.guard.secrets.found_in(json.dumps(diagnostics, default=str))
        for state in self.hass.states.async_all():
            assert not self.guard.secrets.found_in(
                json.dumps(dict(state.attributes), default=str)
            ), state.entity_id


def _ours(err: BaseException) -> bool:
    """An error the client raises, or its private control flow."""
    return isinstance(err, SmartSenseError) or type(err).__module__.startswith(
        "custom_components.smartsense."
    )


def _entity_keys(point: str, reading_type: str) -> set[tuple[str, str]]:
    """(domain, unique id) of every entity of a sensor point."""
    value = "binary_sensor" if reading_type == "DoorOpen" else "sensor"
    return {
        (value, f"{point}:value"),
        *(("sensor", f"{point}:{key}") for key in SENSOR_KEYS),
        *(("binary_sensor", f"{point}:{key}") for key in BINARY_KEYS),
    }


def _check_value(state: str, attributes: Any, value: float) -> None:
    """A reading's state equals SmartSense's value, converted to °C if needed."""
    if attributes.get(ATTR_UNIT_OF_MEASUREMENT) == UnitOfTemperature.CELSIUS:
        value = TemperatureConverter.convert(
            value, UnitOfTemperature.FAHRENHEIT, UnitOfTemperature.CELSIUS
        )
    assert math.isclose(float(state), value, rel_tol=1e-9, abs_tol=1e-9), (
        state,
        value,
    )


async def test_fault_soak(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    simulator: Simulator,
    log_guard: LogGuard,
    request: pytest.FixtureRequest,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Weeks of polls through every fault: recovery, and nothing a user would miss.

    Always recovers within one poll, never leaks a secret, no reauthentication
    but after a real rotation, and no request before Retry-After.
    """
    full = bool(request.config.getoption("--soak"))
    seed = request.config.getoption("--soak-seed")
    seed = SEED if seed is None else int(seed)
    polls = SOAK_POLLS if full else DEFAULT_POLLS
    started = freezegun.api.real_perf_counter()
    soak = Soak(hass, freezer, simulator, config_entry, log_guard, seed)
    update = SmartSenseCoordinator._async_update_data

    async def counted(coordinator: SmartSenseCoordinator) -> SmartSenseData:
        soak.refreshes += 1
        return await update(coordinator)

    with patch.object(SmartSenseCoordinator, "_async_update_data", counted):
        config_entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(config_entry.entry_id)
        await hass.async_block_till_done()
        first = len(log_guard.records)
        soak.check_good()
        while soak.tally.polls < polls or not soak.idle():
            await soak.step()
        await soak.check_secrets_elsewhere()
    soak.check_log(first)
    tally = soak.tally
    assert set(tally.faults) == set(FAULTS), "some faults were never injected"
    assert tally.max_recovery_polls == 1
    assert tally.reauths == tally.faults["secret rotated (reauth)"]

    table = tally.table(seed, freezegun.api.real_perf_counter() - started)
    request.node.add_report_section("call", "fault soak", table)
    if full or request.config.getoption("verbose") > 0:
        with capsys.disabled():
            sys.stdout.write(f"\n\n{table}\n")
