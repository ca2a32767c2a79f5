"""Impossible values are shown as unknown, never as a state."""

from __future__ import annotations

from homeassistant.const import STATE_OFF, STATE_UNKNOWN, Platform
import pytest

from simulator import Account, SimConfig, Simulator

from .conftest import Integration, integration_warnings

# Five minutes past a report slot: readings pushed by push_then_poll are the
# newest until the poll that follows sees them.
QUIET_SLOT = "2026-11-28T03:05:00+00:00"
SENSOR = Platform.SENSOR
BINARY = Platform.BINARY_SENSOR


@pytest.mark.freeze_time(QUIET_SLOT)
@pytest.mark.parametrize(
    ("asset_type", "reading_type", "platform", "implausible", "plausible", "shown"),
    [
        # A °F point: 400 °F is 204 °C; -148 °F is -100 °C (shown in °C).
        ("Freezer", "Temperature", SENSOR, 400.0, -148.0, "-100.0"),
        ("Room", "Humidity", SENSOR, 100.5, 100.0, "100.0"),
        ("Clean Room", "Pressure", SENSOR, -101_326.0, -101_325.0, "-101325.0"),
        # A door reports 0 or 1: anything else is no state, not "open".
        ("Refrigerator", "DoorOpen", BINARY, 7.0, 0.0, STATE_OFF),
    ],
)
async def test_implausible_reading_is_unknown_and_logged_once(
    integration: Integration,
    caplog: pytest.LogCaptureFixture,
    asset_type: str,
    reading_type: str,
    platform: Platform,
    implausible: float,
    plausible: float,
    shown: str,
) -> None:
    """Two implausible readings in a row: unknown (not unavailable), one warning.

    The next plausible reading shows again.
    """
    point_id = integration.point_of(asset_type, reading_type)
    for value in (1e308, implausible):
        await integration.push_then_poll(point_id, value)
        assert integration.state(platform, point_id, "value") == STATE_UNKNOWN
    warnings = integration_warnings(caplog)
    assert len(warnings) == 1
    assert "reported 1e+308 as the " in warnings[0]
    assert f" of sensor point {point_id}, outside the plausible " in warnings[0]
    await integration.push_then_poll(point_id, plausible)
    assert integration.state(platform, point_id, "value") == shown


@pytest.mark.freeze_time(QUIET_SLOT)
@pytest.mark.usefixtures("us_customary")
@pytest.mark.parametrize(
    "sim_config",
    [SimConfig(accounts=[Account(sensor_points=8, temperature_unit="C")])],
)
async def test_huge_celsius_reading_is_not_infinite_fahrenheit(
    integration: Integration,
) -> None:
    """1e308 °C is unknown in a °F Home Assistant, not "inf" °F."""
    point_id = integration.point_of("Freezer", "Temperature")
    await integration.push_then_poll(point_id, 1e308)
    assert integration.state(SENSOR, point_id, "value") == STATE_UNKNOWN
    # 150 °C is plausible: 302 °F.
    await integration.push_then_poll(point_id, 150)
    assert integration.state(SENSOR, point_id, "value") == "302.0"


async def test_number_beyond_any_float_is_unknown(
    integration: Integration, simulator: Simulator
) -> None:
    """A JSON number too large for a float (1e400) is skipped: unknown."""
    point_id = integration.point_of("Freezer", "Temperature")
    simulator.patch_sensor_point(
        point_id,
        lastReading={"timestamp": "2026-11-28T03:00:00Z", "value": 10**400},
    )
    await integration.advance()
    assert integration.state(SENSOR, point_id, "value") == STATE_UNKNOWN


async def test_implausible_battery_is_unknown(
    integration: Integration, simulator: Simulator, caplog: pytest.LogCaptureFixture
) -> None:
    """A battery level is a percentage: 1e308 % is unknown."""
    point_id = integration.point_of("Freezer", "Temperature")
    battery = integration.state(SENSOR, point_id, "battery")
    assert battery not in (STATE_UNKNOWN, "1e+308")
    simulator.patch_sensor_point(point_id, sensor={"batteryPercent": 1e308})
    await integration.advance()
    assert integration.state(SENSOR, point_id, "battery") == STATE_UNKNOWN
    assert integration_warnings(caplog) == [
        f"SmartSense reported 1e+308 as the battery of sensor point {point_id},"
        " outside the plausible 0.0 to 100.0; it is shown as unknown (logged once"
        " per sensor point)"
    ]
