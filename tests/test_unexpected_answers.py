"""Answers in a shape this version does not know (issue 23).

Each contract variant of the simulator answers in a plausible shape the model
does not expect. The config flow says which request differed and how, the log
has one redacted WARNING, a running entry raises a repair issue and keeps its
devices, and scripts/check-account exits non-zero with the same report.
"""

from __future__ import annotations

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import (
    SOURCE_USER,
    ConfigEntryState,
    ConfigFlowResult,
)
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.translation import async_get_translations
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.smartsense.const import DOMAIN
from simulator import Simulator

from .conftest import (
    advance,
    asset_devices,
    check_account,
    integration_warnings,
    through_locations,
    user_input,
)

ISSUE = "answers_changed_assets_01KSMARTSENSETESTENTRY0001"
ASSETS = "GET /assets"
READINGS = "GET /sensorpoints/{id}/readings"
ISSUES_URL = "https://github.com/smartsense-ha/smartsense-homeassistant/issues"

# Per variant of the listing: what the report must name (5 assets are listed).
LISTING_VARIANTS = {
    # Our model's envelope is data/page/pageSize/totalCount: these differ from it.
    "items_paging": [
        "expected `data` (list), `page` (number), `pageSize` (number), "
        "`totalCount` (number); got `items` (list of 5), `paging` (object)"
    ],
    "snake_case": [
        "expected `pageSize` (number), `totalCount` (number); "
        "got `page_size` (number), `total_count` (number)"
    ],
    "bare_list": ["expected an object with `data` (list)", "got list of 5"],
    "epoch_ms": [
        "in `data[].sensorPoints[].lastReading`, expected `timestamp` (string); "
        "got `timestamp` (number)"
    ],
    "numbers_as_strings": ["`totalCount` (number)", "`totalCount` (string)"],
    "html_200": ["expected JSON with status 200; got text/html"],
}


async def _submit(hass: HomeAssistant, simulator: Simulator) -> ConfigFlowResult:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], user_input(simulator.url)
    )


def _shape_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [line for line in integration_warnings(caplog) if "shape" in line]


@pytest.mark.parametrize(("variant", "named"), LISTING_VARIANTS.items())
async def test_config_flow_says_what_differed(
    hass: HomeAssistant,
    simulator: Simulator,
    caplog: pytest.LogCaptureFixture,
    variant: str,
    named: list[str],
) -> None:
    """The form names the request, the status and the fields; one WARNING says it.

    Submitted twice, the same shape is logged once; SmartSense answering as
    modelled again, the flow creates the entry.
    """
    assert len(simulator.asset_ids()) == 5
    simulator.answer_as(variant)
    result = await _submit(hass, simulator)
    for _ in range(2):
        assert result["type"] is FlowResultType.FORM
        assert result["errors"] == {"base": "unexpected_answer"}
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], user_input(simulator.url)
        )
    placeholders = result["description_placeholders"]
    assert isinstance(placeholders, dict)
    assert placeholders["request"] == ASSETS
    assert placeholders["status"] == "200"
    assert placeholders["issue_url"] == ISSUES_URL
    for text in named:
        assert text in placeholders["report"]
    (warning,) = _shape_warnings(caplog)
    assert placeholders["report"] in warning
    assert "GET /assets with status 200" in warning

    simulator.answer_as(None)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], user_input(simulator.url)
    )
    result = await through_locations(hass, result)
    assert result["type"] is FlowResultType.CREATE_ENTRY


@pytest.mark.parametrize(
    "request_shown", [ASSETS, READINGS], ids=["listing", "readings_moved"]
)
async def test_config_flow_path_not_found(
    hass: HomeAssistant,
    simulator: Simulator,
    caplog: pytest.LogCaptureFixture,
    request_shown: str,
) -> None:
    """A 404 on a data path with a working token: the path is not SmartSense's.

    The flow reads both data endpoints once; the request is shown without the
    sensor point's id.
    """
    if request_shown == ASSETS:
        simulator.add_fault("/assets", status=404)
    else:
        simulator.answer_as("readings_moved")
    result = await _submit(hass, simulator)
    assert result["errors"] == {"base": "unexpected_answer"}
    placeholders = result["description_placeholders"]
    assert isinstance(placeholders, dict)
    assert placeholders["request"] == request_shown
    assert placeholders["status"] == "404"
    assert placeholders["report"] == (
        "expected JSON with status 200; got status 404 (text/plain)"
    )
    assert len(_shape_warnings(caplog)) == 1
    simulator.answer_as(None)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], user_input(simulator.url)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_texts_name_the_request_and_the_report(hass: HomeAssistant) -> None:
    """The form's error and the repair issue show every placeholder they get."""
    config = await async_get_translations(hass, "en", "config", [DOMAIN])
    issues = await async_get_translations(hass, "en", "issues", [DOMAIN])
    error = config[f"component.{DOMAIN}.config.error.unexpected_answer"]
    issue = issues[f"component.{DOMAIN}.issues.answers_changed.description"]
    for text in (error, issue):
        for placeholder in ("{request}", "{status}", "{report}", "{issue_url}"):
            assert placeholder in text
    assert issues[f"component.{DOMAIN}.issues.answers_changed.title"] == (
        "SmartSense's answers changed"
    )


@pytest.mark.parametrize(("variant", "named"), LISTING_VARIANTS.items())
async def test_running_entry_keeps_its_devices_and_raises_a_repair_issue(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    simulator: Simulator,
    loaded_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
    variant: str,
    named: list[str],
) -> None:
    """SmartSense changing its API later: entities unavailable, nothing removed.

    Polling goes on; one repair issue says what differed; a good poll clears it.
    """
    devices = asset_devices(hass, loaded_entry)
    assert devices
    issues = ir.async_get(hass)
    simulator.answer_as(variant)
    for _ in range(3):
        await advance(hass, freezer)
    assert simulator.request_counts["/assets"] >= 4
    assert loaded_entry.state is ConfigEntryState.LOADED
    assert asset_devices(hass, loaded_entry) == devices
    states = hass.states.async_all("sensor")
    assert states
    assert all(state.state == STATE_UNAVAILABLE for state in states)
    issue = issues.async_get_issue(DOMAIN, ISSUE)
    assert issue is not None
    assert issue.translation_key == "answers_changed"
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["request"] == ASSETS
    for text in named:
        assert text in issue.translation_placeholders["report"]
    (warning,) = _shape_warnings(caplog)
    assert issue.translation_placeholders["report"] in warning
    assert str(loaded_entry.runtime_data.coordinator.last_exception) == (
        "SmartSense answered GET /assets in a shape this version does not know; "
        "the integration keeps polling"
    )

    simulator.answer_as(None)
    await advance(hass, freezer)
    assert issues.async_get_issue(DOMAIN, ISSUE) is None
    assert asset_devices(hass, loaded_entry) == devices
    assert any(state.state != STATE_UNAVAILABLE for state in hass.states.async_all())


async def test_check_account_matches(simulator: Simulator) -> None:
    """An account that answers as modelled: every endpoint matches, exit 0."""
    status, output = await check_account(simulator.url)
    assert status == 0, output
    assert f"{ASSETS}: status 200, matches" in output
    assert f"{READINGS}: status 200, matches" in output
    assert simulator.request_counts["/auth/oauth"] == 1
    assert simulator.request_counts["/assets"] == 1
    assert simulator.request_counts["/sensorpoints/{id}/readings"] == 1


@pytest.mark.parametrize(
    ("variant", "differs", "named"),
    [
        *((variant, ASSETS, named) for variant, named in LISTING_VARIANTS.items()),
        (
            "readings_moved",
            READINGS,
            ["status 404, differs: expected JSON with status 200; got status 404"],
        ),
    ],
    ids=[*LISTING_VARIANTS, "readings_moved"],
)
async def test_check_account_reports_what_differs(
    simulator: Simulator, variant: str, differs: str, named: list[str]
) -> None:
    """Each variant: exit 1, the request that differs and what differed."""
    simulator.answer_as(variant)
    status, output = await check_account(simulator.url)
    assert status == 1, output
    assert f"{differs}: status " in output
    for text in named:
        assert text in output
    assert ISSUES_URL in output
    if differs == READINGS:
        assert f"{ASSETS}: status 200, matches" in output
    else:
        assert f"{READINGS}: not checked, the listing differs" in output


@pytest.mark.parametrize(
    ("setup", "why"),
    [
        ("wrong_secret", "SmartSense refused the client ID or secret"),
        ("refused", "SmartSense refuses this client the data"),
        ("down", "SmartSense could not be reached"),
        ("plain_http", "SMARTSENSE_URL is refused"),
        ("no_points", f"{READINGS}: not checked, no sensor point is listed"),
    ],
)
async def test_check_account_could_not_check(
    simulator: Simulator, setup: str, why: str
) -> None:
    """Refused, unreachable, unsafe or nothing to read: exit 2 and why."""
    url, secret = simulator.url, "demo-secret"
    if setup == "wrong_secret":
        secret = "wrong-secret"
    elif setup == "refused":
        simulator.refuse_data()
    elif setup == "down":
        simulator.add_fault("/auth/oauth", status=503)
    elif setup == "no_points":
        for point in simulator.sensor_point_ids():
            simulator.remove_sensor_point(point)
    else:
        url = "http://example.com"
    status, output = await check_account(url, secret=secret)
    assert status == 2, output
    assert why in output
