"""The SmartSense simulator, exercised over real HTTP on 127.0.0.1."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from freezegun.api import FrozenDateTimeFactory
import pytest

from simulator import DELETE, Account, SimConfig, Simulator

BASIC = aiohttp.encode_basic_auth("demo", "demo-secret")
GRANT = {"grant_type": "client_credentials"}


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    """A simulator of the default demo account, started."""
    simulator = Simulator()
    await simulator.start()
    yield simulator
    await simulator.stop()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """A plain aiohttp session to talk to it."""
    async with aiohttp.ClientSession() as client:
        yield client


async def _token(
    session: aiohttp.ClientSession, sim: Simulator, basic: str = BASIC
) -> str:
    async with session.post(
        f"{sim.url}/auth/oauth", data=GRANT, headers={"Authorization": basic}
    ) as response:
        assert response.status == 200
        body = await response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == sim.token_lifetime
    token: str = body["access_token"]
    return token


async def _get(
    session: aiohttp.ClientSession,
    sim: Simulator,
    path: str,
    token: str,
    **params: str,
) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    async with session.get(f"{sim.url}{path}", headers=headers, params=params) as r:
        if r.content_type == "application/json":
            return r.status, await r.json()
        return r.status, await r.text()


async def _all_assets(
    session: aiohttp.ClientSession, sim: Simulator, token: str, size: int
) -> list[dict[str, Any]]:
    assets: list[dict[str, Any]] = []
    page = 1
    while True:
        status, body = await _get(
            session, sim, "/assets", token, page=str(page), pageSize=str(size)
        )
        assert status == 200
        assert (body["page"], body["pageSize"]) == (page, size)
        if not body["data"]:
            return assets
        assets.extend(body["data"])
        page += 1


async def test_token_issue_expiry_and_revocation(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    """Tokens last their lifetime; revocation, rotation and bad grants refuse."""
    token = await _token(session, sim)
    assert (await _get(session, sim, "/assets", token))[0] == 200

    sim.advance(3599)
    assert (await _get(session, sim, "/assets", token))[0] == 200
    sim.advance(1)
    assert (await _get(session, sim, "/assets", token))[0] == 401

    sim.token_lifetime = 60
    token = await _token(session, sim)
    sim.revoke_tokens()
    assert (await _get(session, sim, "/assets", token))[0] == 401

    token = await _token(session, sim)
    sim.rotate_secret("demo", "new-secret")
    assert (await _get(session, sim, "/assets", token))[0] == 401
    url = f"{sim.url}/auth/oauth"
    async with session.post(url, data=GRANT, headers={"Authorization": BASIC}) as r:
        assert r.status == 401
    await _token(session, sim, aiohttp.encode_basic_auth("demo", "new-secret"))

    unknown = aiohttp.encode_basic_auth("nobody", "x")
    async with session.post(url, data=GRANT, headers={"Authorization": unknown}) as r:
        assert (r.status, await r.json()) == (400, {"error": "invalid_client"})
    new_basic = aiohttp.encode_basic_auth("demo", "new-secret")
    async with session.post(
        url, data={"grant_type": "password"}, headers={"Authorization": new_basic}
    ) as r:
        assert (r.status, await r.json()) == (400, {"error": "unsupported_grant_type"})
    async with session.post(url, data=GRANT) as r:
        assert r.status == 401


async def test_paging_and_request_validation(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    """Pages cover every asset once; bad paging or Accept is refused."""
    token = await _token(session, sim)
    status, first = await _get(session, sim, "/assets", token)
    assert status == 200
    assert first["totalCount"] == len(sim.asset_ids()) == len(first["data"])
    assert (first["page"], first["pageSize"]) == (1, 100)

    assets = await _all_assets(session, sim, token, 4)
    assert [a["id"] for a in assets] == sim.asset_ids()
    assert assets == first["data"]
    points = [p for a in assets for p in a["sensorPoints"]]
    assert len(points) >= 24
    for point in points:  # the default account is clean
        assert point["sensor"]["lastCheckIn"].endswith("Z")
        assert point["lastReading"]["timestamp"] == point["sensor"]["lastCheckIn"]
    assert {a["assetType"] for a in assets} >= {"Refrigerator", "Freezer", "Room"}

    for params in ({"pageSize": "501"}, {"page": "0"}, {"pageSize": "ten"}):
        assert (await _get(session, sim, "/assets", token, **params))[0] == 400
    status, _ = await _get(session, sim, "/assets", token, pageSize="500")
    assert status == 200
    async with session.get(
        f"{sim.url}/assets",
        headers={"Authorization": f"Bearer {token}", "Accept": "text/html"},
    ) as response:
        assert response.status == 406

    assert sim.request_counts["/auth/oauth"] == 1
    assert sim.request_counts["/assets"] == 1 + 5 + 3 + 2
    sim.reset_counts()
    assert not sim.request_counts


async def test_readings_endpoint(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    """Readings of a window as generated, in UTC; bad windows are refused."""
    token = await _token(session, sim)
    point = sim.sensor_point_ids()[0]
    end = sim.now()
    start = end - timedelta(days=1)
    path = f"/sensorpoints/{point}/readings"
    status, body = await _get(
        session, sim, path, token, start=start.isoformat(), end=end.isoformat()
    )
    assert status == 200
    expected = sim.readings(point, start, end)
    assert len(expected) >= 90
    assert [
        (datetime.fromisoformat(r["timestamp"]), r["value"]) for r in body["data"]
    ] == expected
    assert all(r["timestamp"].endswith("Z") for r in body["data"])
    assert sim.request_counts["/sensorpoints/{id}/readings"] == 1

    naive = start.replace(tzinfo=None).isoformat()
    week = (start + timedelta(days=7, seconds=1)).isoformat()
    for params, expected_status in (
        ({"start": naive, "end": end.isoformat()}, 400),
        ({"start": start.isoformat()}, 400),
        ({"start": end.isoformat(), "end": start.isoformat()}, 422),
        ({"start": start.isoformat(), "end": week}, 422),
    ):
        assert (await _get(session, sim, path, token, **params))[0] == expected_status
    status, _ = await _get(
        session,
        sim,
        "/sensorpoints/sp-nope/readings",
        token,
        start=start.isoformat(),
        end=end.isoformat(),
    )
    assert status == 404


async def test_faults(sim: Simulator, session: aiohttp.ClientSession) -> None:
    """Queued faults answer in order, each as often as asked, then real answers."""
    token = await _token(session, sim)
    sim.add_fault("/assets", count=2, status=429, retry_after="30", body="slow down")
    sim.add_fault("/assets", status=503)
    for expected in (429, 429):
        async with session.get(
            f"{sim.url}/assets", headers={"Authorization": f"Bearer {token}"}
        ) as response:
            assert response.status == expected
            assert response.headers["Retry-After"] == "30"
            assert await response.text() == "slow down"
    assert (await _get(session, sim, "/assets", token))[0] == 503
    assert (await _get(session, sim, "/assets", token))[0] == 200

    sim.add_fault("/auth/oauth", status=400, body='{"error": "invalid_client"}')
    async with session.post(
        f"{sim.url}/auth/oauth", data=GRANT, headers={"Authorization": BASIC}
    ) as response:
        assert (response.status, await response.json()) == (
            400,
            {"error": "invalid_client"},
        )

    headers = {"Authorization": f"Bearer {token}"}
    sim.add_fault("/assets", kind="malformed_json")
    sim.add_fault("/assets", kind="truncated")
    for _ in range(2):
        async with session.get(f"{sim.url}/assets", headers=headers) as response:
            assert response.status == 200
            with pytest.raises(ValueError, match=r"Expecting|Unterminated"):
                await response.json()
    sim.add_fault("/assets", kind="wrong_content_type")
    async with session.get(f"{sim.url}/assets", headers=headers) as response:
        assert response.content_type == "text/html"

    # aiohttp retries an idempotent request once when the server disconnects.
    sim.add_fault("/assets", kind="disconnect", count=2)
    sim.reset_counts()
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await _get(session, sim, "/assets", token)
    assert sim.request_counts["/assets"] == 2

    sim.add_fault("/assets", delay=5)
    with pytest.raises(TimeoutError):
        async with session.get(
            f"{sim.url}/assets",
            headers=headers,
            timeout=aiohttp.ClientTimeout(total=0.2),
        ):
            pass

    sim.add_fault("/assets", kind="repeat_page")
    status, body = await _get(session, sim, "/assets", token, page="2", pageSize="5")
    assert status == 200
    assert body["page"] == 1
    assert [a["id"] for a in body["data"]] == sim.asset_ids()[:5]

    point = sim.sensor_point_ids()[0]
    sim.add_fault(f"/sensorpoints/{point}", status=500)
    sim.add_fault("/sensorpoints", status=502)
    now = sim.now().isoformat()
    path = f"/sensorpoints/{point}/readings"
    # The longest matching prefix goes first.
    assert (await _get(session, sim, path, token, start=now, end=now))[0] == 500
    assert (await _get(session, sim, path, token, start=now, end=now))[0] == 502
    sim.add_fault("/assets", status=500)
    sim.clear_faults()
    assert (await _get(session, sim, "/assets", token))[0] == 200


async def test_listing_faults(sim: Simulator, session: aiohttp.ClientSession) -> None:
    """Listings that are wrong yet well formed, each for the requests asked for."""
    token = await _token(session, sim)
    ids = sim.asset_ids()
    assert len(ids) > 7

    async def listing(**params: str) -> tuple[list[str], int, int]:
        status, body = await _get(session, sim, "/assets", token, **params)
        assert status == 200
        return [a["id"] for a in body["data"]], body["totalCount"], body["pageSize"]

    sim.add_fault("/assets", kind="empty_listing")
    assert await listing() == ([], 0, 100)
    sim.add_fault("/assets", kind="shrunken_listing")
    assert await listing() == (ids[:1], 1, 100)
    sim.add_fault("/assets", kind="missing_asset", count=2)
    assert await listing() == (ids[1:], len(ids) - 1, 100)
    assert await listing(page="2", pageSize="4") == (ids[5:9], len(ids) - 1, 4)
    # Pages of seven, each claiming to be the whole listing.
    sim.add_fault("/assets", kind="lying_total", count=2)
    assert await listing(pageSize="500") == (ids[:7], 7, 7)
    assert await listing(page="2", pageSize="500") == (ids[7:14], 7, 7)
    assert await listing() == (ids, len(ids), 100)
    with pytest.raises(ValueError, match="/assets only"):
        sim.add_fault("/auth/oauth", kind="empty_listing")


async def test_timed_fault(sim: Simulator, session: aiohttp.ClientSession) -> None:
    """A fault given `seconds` answers every request until then, then none."""
    token = await _token(session, sim)
    with pytest.raises(ValueError, match="positive"):
        sim.add_fault("/assets", status=429, seconds=0)
    sim.add_fault("/assets", status=429, retry_after="60", seconds=60)
    for _ in range(5):
        async with session.get(
            f"{sim.url}/assets", headers={"Authorization": f"Bearer {token}"}
        ) as response:
            assert response.status == 429
            assert response.headers["Retry-After"] == "60"
    sim.advance(59)
    assert (await _get(session, sim, "/assets", token))[0] == 429
    sim.advance(1)
    assert (await _get(session, sim, "/assets", token))[0] == 200
    assert (await _get(session, sim, "/assets", token))[0] == 200


async def test_ten_thousand_points_all_served(
    session: aiohttp.ClientSession,
) -> None:
    """An account of 10,000 sensor points is served whole, each with a reading."""
    sim = Simulator(SimConfig(accounts=[Account(sensor_points=10_000)]))
    await sim.start()
    try:
        token = await _token(session, sim)
        assets = await _all_assets(session, sim, token, 500)
    finally:
        await sim.stop()
    assert [a["id"] for a in assets] == sim.asset_ids()
    points = [p["id"] for a in assets for p in a["sensorPoints"]]
    assert len(points) >= 10_000
    assert points == sim.sensor_point_ids()
    assert all(p["lastReading"] is not None for a in assets for p in a["sensorPoints"])


def test_same_seed_same_account_and_values() -> None:
    """A seed fixes the account and its readings; another seed changes them."""

    def account(seed: int) -> Simulator:
        return Simulator(SimConfig(accounts=[Account(seed=seed, sensor_points=60)]))

    one, two, other = account(7), account(7), account(8)
    start = datetime(2026, 3, 1, tzinfo=UTC)
    end = start + timedelta(days=2)
    assert one.state()["accounts"] == two.state()["accounts"]
    values = [one.readings(p, start, end) for p in one.sensor_point_ids()]
    assert values == [two.readings(p, start, end) for p in two.sensor_point_ids()]
    assert values != [other.readings(p, start, end) for p in other.sensor_point_ids()]
    # Every slot in a window long past has been delivered.
    assert all(len(series) == 2 * 96 for series in values)


async def test_chain_of_locations(session: aiohttp.ClientSession) -> None:
    """--locations deals the assets over that many locations.

    An asset added at a new location name opens that location.
    """
    sim = Simulator(SimConfig(accounts=[Account(sensor_points=60, locations=12)]))
    await sim.start()
    try:
        locations = sim.locations()
        assert len(locations) == 12
        assert all(sim.asset_ids(location_id=location) for location in locations)
        served = await _all_assets(session, sim, await _token(session, sim), 100)
        assert {asset["location"]["id"] for asset in served} == locations.keys()

        known = next(iter(locations.values()))
        at_known = sim.add_asset("Freezer", location=known)
        assert sim.locations() == locations
        assert at_known in sim.asset_ids(location_id=next(iter(locations)))
        async with session.post(
            f"{sim.url}/_sim/assets",
            json={"asset_type": "Room", "location": "Store 999"},
        ) as response:
            new = (await response.json())["id"]
        (opened,) = sim.locations().keys() - locations.keys()
        assert sim.locations()[opened] == "Store 999"
        assert sim.asset_ids(location_id=opened) == [new]
        assert sim.state()["accounts"]["demo"]["locations"][opened] == "Store 999"
    finally:
        await sim.stop()
    with pytest.raises(ValueError, match="at least 1"):
        Simulator(SimConfig(accounts=[Account(locations=0)]))


def test_store_and_forward_and_offline(freezer: FrozenDateTimeFactory) -> None:
    """Late readings arrive within 45 minutes; offline points deliver them later."""
    freezer.move_to("2026-11-28T12:00:00Z")
    sim = Simulator(SimConfig(accounts=[Account(sensor_points=200)]))
    assert sim.now() == datetime(2026, 11, 28, 12, tzinfo=UTC)
    start = sim.now() - timedelta(hours=6)
    end = sim.now()
    before = {p: sim.readings(p, start, end) for p in sim.sensor_point_ids()}
    sim.advance(3600)
    after = {p: sim.readings(p, start, end) for p in sim.sensor_point_ids()}
    # At most 3 intervals late: by now every reading in the window has arrived.
    assert all(len(series) == 24 for series in after.values())
    late = [p for p in before if before[p] != after[p]]
    assert late
    for p in late:
        assert set(before[p]) < set(after[p])
        missing = set(after[p]) - set(before[p])
        assert min(t for t, _ in missing) >= end - timedelta(minutes=45)

    point = sim.sensor_point_ids()[0]
    went_offline = sim.now()
    last = sim.latest(point)
    sim.set_offline(point)
    sim.advance(7200)
    assert sim.latest(point) == last
    sim.set_offline(point, offline=False)
    newest = sim.latest(point)
    assert newest is not None
    assert newest[0] == sim.now()
    held = sim.readings(point, went_offline, sim.now())
    assert len(held) == 8


async def test_data_control(sim: Simulator, session: aiohttp.ClientSession) -> None:
    """Assets and points added, patched and removed show in what is served."""
    token = await _token(session, sim)
    asset = sim.add_asset("Freezer", "Lab Freezer")
    point = sim.sensor_point_ids(asset_id=asset)[0]
    extra = sim.add_sensor_point(asset, "Vibration", unit="g")
    sim.push_reading(point, 12.5)
    sim.patch_sensor_point(extra, status="Tampered", sensor=DELETE, id=None)
    sim.patch_asset(asset, location=DELETE)

    _, body = await _get(session, sim, "/assets", token)
    served = next(a for a in body["data"] if a["id"] == asset)
    assert "location" not in served
    freezer_point, vibration = served["sensorPoints"]
    assert freezer_point["lastReading"]["value"] == 12.5
    assert freezer_point["status"] == "Alarm"  # a freezer above 5 °F
    assert vibration["id"] is None
    assert vibration["status"] == "Tampered"
    assert "sensor" not in vibration
    assert (vibration["readingType"], vibration["unit"]) == ("Vibration", "g")

    sim.set_offline(point)
    _, body = await _get(session, sim, "/assets", token)
    served = next(a for a in body["data"] if a["id"] == asset)
    assert served["sensorPoints"][0]["status"] == "Offline"

    sim.remove_sensor_point(extra)
    sim.remove_asset(asset)
    assert asset not in sim.asset_ids()
    now = sim.now().isoformat()
    path = f"/sensorpoints/{point}/readings"
    assert (await _get(session, sim, path, token, start=now, end=now))[0] == 404


async def test_celsius_account_and_second_client(
    session: aiohttp.ClientSession,
) -> None:
    """A second client sees only its own account, in °C."""
    sim = Simulator(
        SimConfig(
            accounts=[
                Account(),
                Account("lab", "lab-secret", temperature_unit="C", seed=2),
            ]
        )
    )
    await sim.start()
    try:
        basic = aiohttp.encode_basic_auth("lab", "lab-secret")
        token = await _token(session, sim, basic)
        assets = await _all_assets(session, sim, token, 100)
        demo_point = sim.sensor_point_ids()[0]
        now = sim.now().isoformat()
        path = f"/sensorpoints/{demo_point}/readings"
        # Another account's point is not found with this token.
        assert (await _get(session, sim, path, token, start=now, end=now))[0] == 404
    finally:
        await sim.stop()
    assert [a["id"] for a in assets] == sim.asset_ids("lab")
    for asset in assets:
        for point in asset["sensorPoints"]:
            value = point["lastReading"]["value"]
            if asset["assetType"] == "Freezer":
                assert point["unit"] == "C"
                assert -30 < value < -10
            if point["readingType"] == "Humidity":
                assert point["unit"] == "%"


async def test_control_surface(sim: Simulator, session: aiohttp.ClientSession) -> None:
    """Every /_sim control works over HTTP."""

    async def call(method: str, path: str, body: object = None) -> Any:
        async with session.request(method, f"{sim.url}/_sim{path}", json=body) as r:
            assert r.status == 200, await r.text()
            return await r.json()

    before = sim.now()
    await call("POST", "/advance", {"seconds": 600})
    assert sim.now() - before >= timedelta(seconds=600)
    asset = (await call("POST", "/assets", {"asset_type": "Room"}))["id"]
    point = (
        await call(
            "POST", f"/assets/{asset}/sensorpoints", {"reading_type": "Pressure"}
        )
    )["id"]
    await call("POST", f"/sensorpoints/{point}/reading", {"value": 99})
    assert sim.latest(point) is not None
    await call("PATCH", f"/sensorpoints/{point}", {"set": {"status": "Warning"}})
    await call("POST", "/faults", {"path": "/assets", "status": 500})
    await call("POST", "/faults", {"path": "/assets", "status": 429, "seconds": 60})
    await call("POST", "/token_lifetime", {"seconds": 5})
    assert sim.token_lifetime == 5
    state = await call("GET", "/state")
    assert asset in state["accounts"]["demo"]["assets"]
    assert point in state["accounts"]["demo"]["sensor_points"]
    assert await call("GET", "/requests") == {}
    async with session.delete(f"{sim.url}/_sim/assets/a-nope") as response:
        assert response.status == 404
    await call("DELETE", "/faults")
    token = await _token(session, sim)
    await call("POST", "/refuse_data", {})
    assert (await _get(session, sim, "/assets", token))[0] == 401
    token = await _token(session, sim)  # tokens are still issued
    await call("POST", "/refuse_data", {"refused": False})
    assert (await _get(session, sim, "/assets", token))[0] == 200
    await call("DELETE", f"/assets/{asset}")
    assert asset not in sim.asset_ids()
