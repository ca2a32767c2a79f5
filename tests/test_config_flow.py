"""The config flow: user setup, errors, duplicates, reauth, reconfigure.

Every flow validates against the simulator over real HTTP on loopback.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
import logging
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState, ConfigFlowResult
from homeassistant.const import CONF_CLIENT_ID, CONF_CLIENT_SECRET, CONF_URL
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, section
from homeassistant.helpers.translation import async_get_translations
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.smartsense.api import DEFAULT_BASE_URL, SmartSenseClient
from custom_components.smartsense.config_flow import SECTION_ADVANCED
from custom_components.smartsense.const import DOMAIN
from custom_components.smartsense.locations import CONF_LOCATIONS
from simulator import Simulator

from .conftest import advance, through_locations, user_input

AUTH = "/auth/oauth"
ASSETS = "/assets"
READINGS = "/sensorpoints/{id}/readings"


def _schema_of(result: ConfigFlowResult, in_section: str | None) -> Any:
    schema = result["data_schema"]
    assert schema is not None
    if in_section is not None:
        return _section(result, in_section).schema
    return schema


def _section(result: ConfigFlowResult, name: str) -> section:
    schema = result["data_schema"]
    assert schema is not None
    found = schema.schema[name]
    assert isinstance(found, section)
    return found


def _fields(result: ConfigFlowResult, in_section: str | None = None) -> set[str]:
    """The names of the fields a form shows (at the top, or in one section)."""
    return {str(field) for field in _schema_of(result, in_section).schema}


def _suggested(
    result: ConfigFlowResult, name: str, in_section: str | None = None
) -> Any:
    """The value a form pre-fills into one of its fields (None if none)."""
    for field in _schema_of(result, in_section).schema:
        if str(field) == name:
            return (field.description or {}).get("suggested_value")
    raise AssertionError(f"the form has no field {name!r}")


def _credentials(simulator: Simulator, secret: str = "demo-secret") -> dict[str, str]:
    """Entry data of the demo account; also what the reconfigure form takes."""
    return {
        CONF_CLIENT_ID: "demo",
        CONF_CLIENT_SECRET: secret,
        CONF_URL: simulator.url,
    }


async def _start_user_flow(hass: HomeAssistant) -> ConfigFlowResult:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] == {}
    return result


async def _refused_user_input(
    hass: HomeAssistant, submitted: dict[str, Any], errors: dict[str, str]
) -> ConfigFlowResult:
    """Submit the user form; it comes back with these errors."""
    result = await _start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], submitted
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors
    return result


async def _finish_user_flow(
    hass: HomeAssistant, result: ConfigFlowResult, simulator: Simulator
) -> None:
    """Submit good credentials and check the entry the user gets."""
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], user_input(simulator.url)
    )
    result = await through_locations(hass, result)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "SmartSense"
    assert result["data"] == _credentials(simulator)
    assert result["result"].unique_id == "demo"
    assert len(hass.config_entries.async_entries(DOMAIN)) == 1


@pytest.fixture
async def stopped_url(socket_enabled: None) -> str:
    """The URL of a loopback port where nothing listens any more."""
    sim = Simulator()
    url = await sim.start()
    await sim.stop()
    return url


@pytest.fixture
async def other_simulator(socket_enabled: None) -> AsyncIterator[Simulator]:
    """A second SmartSense endpoint serving the demo account."""
    sim = Simulator()
    await sim.start()
    yield sim
    await sim.stop()


# -- user step --------------------------------------------------------------


async def test_user_form_folds_the_url_away(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    """Users see the credentials; the API URL waits, preset, in a closed section."""
    result = await _start_user_flow(hass)
    assert _fields(result) == {CONF_CLIENT_ID, CONF_CLIENT_SECRET, SECTION_ADVANCED}
    assert _section(result, SECTION_ADVANCED).options == {"collapsed": True}
    assert _fields(result, SECTION_ADVANCED) == {CONF_URL}
    assert result["description_placeholders"] == {
        "web_app_url": "https://app.smartsense.co"
    }
    # A user who never opens the section submits the default https URL.
    schema = result["data_schema"]
    assert schema is not None
    submitted = schema(
        {CONF_CLIENT_ID: "demo", CONF_CLIENT_SECRET: "x", SECTION_ADVANCED: {}}
    )
    assert submitted[SECTION_ADVANCED] == {CONF_URL: "https://api.smartsense.co"}
    assert DEFAULT_BASE_URL == "https://api.smartsense.co"
    # No deprecated flow API (show_advanced_options) is used.
    assert "deprecated" not in caplog.text


async def test_user_creates_entry(hass: HomeAssistant, simulator: Simulator) -> None:
    """Good credentials create an entry that stores the URL flat, and loads.

    The test account has one location: no locations step, all of it comes in.
    """
    assert len(simulator.locations()) == 1
    result = await _start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], user_input(simulator.url)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "SmartSense"
    assert simulator.request_counts[AUTH] >= 1
    assert simulator.request_counts[ASSETS] >= 1
    await hass.async_block_till_done()
    (entry,) = hass.config_entries.async_entries(DOMAIN)
    assert entry.state is ConfigEntryState.LOADED
    assert entry.options == {CONF_LOCATIONS: "all"}


async def test_user_reads_one_window_of_readings(
    hass: HomeAssistant, simulator: Simulator
) -> None:
    """The check reads both data endpoints once; without a sensor point, only one."""
    result = await _start_user_flow(hass)
    await hass.config_entries.flow.async_configure(
        result["flow_id"], user_input(simulator.url)
    )
    assert simulator.request_counts[READINGS] == 1
    await hass.async_block_till_done()
    (entry,) = hass.config_entries.async_entries(DOMAIN)
    await hass.config_entries.async_remove(entry.entry_id)

    for point in simulator.sensor_point_ids():
        simulator.remove_sensor_point(point)
    simulator.reset_counts()
    result = await _start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], user_input(simulator.url)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert simulator.request_counts[READINGS] == 0


# -- user step errors, each recovering in the same flow ---------------------


@pytest.mark.parametrize(
    ("client_id", "secret"),
    [("demo", "wrong-secret"), ("nobody", "demo-secret")],
    ids=["wrong_secret", "unknown_client"],
)
async def test_user_invalid_auth(
    hass: HomeAssistant, simulator: Simulator, client_id: str, secret: str
) -> None:
    """Refused credentials say so, and corrected ones are accepted."""
    result = await _refused_user_input(
        hass, user_input(simulator.url, client_id, secret), {"base": "invalid_auth"}
    )
    # What the user typed stays in the form.
    assert _suggested(result, CONF_CLIENT_ID) == client_id
    assert _suggested(result, CONF_URL, SECTION_ADVANCED) == simulator.url
    await _finish_user_flow(hass, result, simulator)


async def test_user_access_refused(hass: HomeAssistant, simulator: Simulator) -> None:
    """Credentials that get tokens but no data say so; once allowed, they work."""
    simulator.refuse_data()
    result = await _refused_user_input(
        hass, user_input(simulator.url), {"base": "access_refused"}
    )
    simulator.refuse_data(refused=False)
    await _finish_user_flow(hass, result, simulator)


@pytest.mark.parametrize(
    ("path", "fault"),
    [
        (AUTH, {"status": 500}),
        (ASSETS, {"status": 503}),
        (AUTH, {"kind": "disconnect"}),
        # Answers that are not what SmartSense promises (response errors).
        (ASSETS, {"kind": "malformed_json"}),
        (AUTH, {"kind": "wrong_content_type"}),
        (ASSETS, {"kind": "truncated"}),
    ],
    ids=[
        "auth_500",
        "assets_503",
        "auth_disconnect",
        "assets_malformed_json",
        "auth_html",
        "assets_truncated",
    ],
)
async def test_user_cannot_connect(
    hass: HomeAssistant, simulator: Simulator, path: str, fault: dict[str, Any]
) -> None:
    """An outage or an unusable answer is cannot_connect; a retry succeeds."""
    simulator.add_fault(path, **fault)
    result = await _refused_user_input(
        hass, user_input(simulator.url), {"base": "cannot_connect"}
    )
    await _finish_user_flow(hass, result, simulator)


async def test_user_cannot_connect_to_closed_port(
    hass: HomeAssistant, simulator: Simulator, stopped_url: str
) -> None:
    """A URL where nothing listens is cannot_connect; the right URL succeeds."""
    result = await _refused_user_input(
        hass, user_input(stopped_url), {"base": "cannot_connect"}
    )
    assert _suggested(result, CONF_URL, SECTION_ADVANCED) == stopped_url
    await _finish_user_flow(hass, result, simulator)


@pytest.mark.parametrize(
    ("retry_after", "shown"),
    [("120", "120"), (None, "60")],
    ids=["retry_after_120", "no_retry_after"],
)
async def test_user_rate_limited(
    hass: HomeAssistant,
    simulator: Simulator,
    retry_after: str | None,
    shown: str,
) -> None:
    """A 429 tells the user how long to wait; a later try succeeds."""
    simulator.add_fault(AUTH, status=429, retry_after=retry_after)
    result = await _refused_user_input(
        hass, user_input(simulator.url), {"base": "rate_limited"}
    )
    assert result["description_placeholders"] is not None
    assert result["description_placeholders"]["retry_after"] == shown
    await _finish_user_flow(hass, result, simulator)


@pytest.mark.parametrize(
    "url",
    ["http://example.com", "ftp://127.0.0.1/", "not a url"],
    ids=["plain_http_remote", "ftp", "garbage"],
)
async def test_user_invalid_url(
    hass: HomeAssistant, simulator: Simulator, url: str
) -> None:
    """An unsafe or unusable URL is flagged at its section, before any request."""
    result = await _refused_user_input(
        hass, user_input(url), {SECTION_ADVANCED: "invalid_url"}
    )
    assert _suggested(result, CONF_URL, SECTION_ADVANCED) == url
    assert not simulator.request_counts
    await _finish_user_flow(hass, result, simulator)


async def test_user_unknown_error(
    hass: HomeAssistant, simulator: Simulator, caplog: pytest.LogCaptureFixture
) -> None:
    """An unexpected exception shows "unknown" and is logged; a retry succeeds."""
    result = await _start_user_flow(hass)
    with (
        caplog.at_level(logging.ERROR),
        patch.object(
            SmartSenseClient, "async_get_asset_page", side_effect=RuntimeError("boom")
        ),
    ):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], user_input(simulator.url)
        )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "unknown"}
    assert "Unexpected error while checking SmartSense credentials" in caplog.text
    assert "RuntimeError: boom" in caplog.text
    await _finish_user_flow(hass, result, simulator)


async def test_user_duplicate_aborts_before_any_request(
    hass: HomeAssistant, simulator: Simulator, config_entry: MockConfigEntry
) -> None:
    """A client id that is already set up aborts without contacting SmartSense."""
    config_entry.add_to_hass(hass)
    result = await _start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], user_input(simulator.url, secret="anything")
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert simulator.request_counts[AUTH] == 0
    assert not simulator.request_counts
    assert hass.config_entries.async_entries(DOMAIN) == [config_entry]


async def test_messages_have_english_text(hass: HomeAssistant) -> None:
    """Every error, abort and folded field the flows show has text for the user."""
    texts = await async_get_translations(hass, "en", "config", [DOMAIN])
    prefix = f"component.{DOMAIN}.config"
    for error in (
        "invalid_auth",
        "access_refused",
        "cannot_connect",
        "rate_limited",
        "invalid_url",
        "unknown",
    ):
        assert texts.get(f"{prefix}.error.{error}"), error
    for reason in (
        "already_configured",
        "reauth_successful",
        "reconfigure_successful",
        "wrong_account",
    ):
        assert texts.get(f"{prefix}.abort.{reason}"), reason
    assert "{retry_after}" in texts[f"{prefix}.error.rate_limited"]
    assert "{web_app_url}" in texts[f"{prefix}.step.user.description"]
    folded = f"{prefix}.step.user.sections.{SECTION_ADVANCED}"
    assert texts.get(f"{folded}.name")
    assert texts.get(f"{folded}.data.url")
    assert texts.get(f"{folded}.data_description.url")


# -- reauth -----------------------------------------------------------------


async def test_reauth_with_new_secret(
    hass: HomeAssistant, simulator: Simulator, loaded_entry: MockConfigEntry
) -> None:
    """After a secret rotation the new secret is stored and the entry reloaded."""
    old_coordinator = loaded_entry.runtime_data.coordinator
    simulator.rotate_secret("demo", "new-secret")
    result = await loaded_entry.start_reauth_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reauth_confirm"
    # Only the secret: the client id is the entry's identity and cannot change.
    assert _fields(result) == {CONF_CLIENT_SECRET}
    assert _suggested(result, CONF_CLIENT_SECRET) is None

    simulator.reset_counts()
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_CLIENT_SECRET: "new-secret"}
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert loaded_entry.data == _credentials(simulator, secret="new-secret")
    # Reloaded: a new coordinator that logged in with the new secret.
    assert loaded_entry.state is ConfigEntryState.LOADED
    assert loaded_entry.runtime_data.coordinator is not old_coordinator
    assert simulator.request_counts[AUTH] == 2  # the check, then the reload


async def test_reauth_invalid_secret_then_recovery(
    hass: HomeAssistant, simulator: Simulator, loaded_entry: MockConfigEntry
) -> None:
    """A wrong secret keeps the form open; the right one finishes reauth."""
    simulator.rotate_secret("demo", "new-secret")
    result = await loaded_entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_CLIENT_SECRET: "demo-secret"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_auth"}
    assert loaded_entry.data[CONF_CLIENT_SECRET] == "demo-secret"

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_CLIENT_SECRET: "new-secret"}
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert loaded_entry.data[CONF_CLIENT_SECRET] == "new-secret"
    assert loaded_entry.state is ConfigEntryState.LOADED


# -- reconfigure ------------------------------------------------------------


async def _reconfigured(
    hass: HomeAssistant,
    result: ConfigFlowResult,
    entry: MockConfigEntry,
    data: dict[str, str],
) -> None:
    """Submit the reconfigure form: the entry is saved with it and reloaded."""
    result = await hass.config_entries.flow.async_configure(result["flow_id"], data)
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data == data
    assert entry.state is ConfigEntryState.LOADED


async def test_reconfigure_secret_and_url(
    hass: HomeAssistant,
    simulator: Simulator,
    other_simulator: Simulator,
    loaded_entry: MockConfigEntry,
) -> None:
    """A new secret and API address are checked, stored, and used after reload."""
    old_coordinator = loaded_entry.runtime_data.coordinator
    result = await loaded_entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"
    assert _fields(result) == {CONF_CLIENT_ID, CONF_CLIENT_SECRET, CONF_URL}
    assert _suggested(result, CONF_CLIENT_ID) == "demo"
    assert _suggested(result, CONF_URL) == simulator.url
    assert _suggested(result, CONF_CLIENT_SECRET) is None  # never echoed back

    other_simulator.rotate_secret("demo", "new-secret")
    await _reconfigured(
        hass, result, loaded_entry, _credentials(other_simulator, secret="new-secret")
    )
    assert loaded_entry.runtime_data.coordinator is not old_coordinator
    # The check and the reloaded entry both went to the new address.
    assert other_simulator.request_counts[AUTH] == 2
    assert other_simulator.request_counts[ASSETS] >= 2


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({CONF_CLIENT_SECRET: "wrong-secret"}, {"base": "invalid_auth"}),
        ({CONF_URL: "http://example.com"}, {CONF_URL: "invalid_url"}),
        ({CONF_URL: "stopped"}, {"base": "cannot_connect"}),
    ],
    ids=["invalid_auth", "invalid_url", "cannot_connect"],
)
async def test_reconfigure_errors_then_recovery(
    hass: HomeAssistant,
    simulator: Simulator,
    loaded_entry: MockConfigEntry,
    stopped_url: str,
    change: dict[str, str],
    error: dict[str, str],
) -> None:
    """A bad change keeps the form open with what was typed; a good one is saved."""
    if change.get(CONF_URL) == "stopped":
        change = {CONF_URL: stopped_url}
    typed = {**_credentials(simulator), **change}
    result = await loaded_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], typed)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == error
    assert _suggested(result, CONF_URL) == typed[CONF_URL]
    assert loaded_entry.data == _credentials(simulator)

    simulator.rotate_secret("demo", "new-secret")
    await _reconfigured(
        hass, result, loaded_entry, _credentials(simulator, secret="new-secret")
    )


async def test_reconfigure_other_client_aborts(
    hass: HomeAssistant, simulator: Simulator, loaded_entry: MockConfigEntry
) -> None:
    """Reconfiguring cannot switch the entry to another SmartSense client."""
    result = await loaded_entry.start_reconfigure_flow(hass)
    simulator.reset_counts()
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**_credentials(simulator), CONF_CLIENT_ID: "other"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"
    assert loaded_entry.data == _credentials(simulator)
    assert not simulator.request_counts


# -- reauth and reconfigure ------------------------------------------------


@pytest.mark.parametrize(
    ("start", "path", "fields", "reason"),
    [
        (
            MockConfigEntry.start_reauth_flow,
            AUTH,
            {CONF_CLIENT_SECRET},
            "reauth_successful",
        ),
        (
            MockConfigEntry.start_reconfigure_flow,
            ASSETS,
            {CONF_CLIENT_ID, CONF_CLIENT_SECRET, CONF_URL},
            "reconfigure_successful",
        ),
    ],
    ids=["reauth", "reconfigure"],
)
async def test_rate_limited_then_recovery(
    hass: HomeAssistant,
    simulator: Simulator,
    loaded_entry: MockConfigEntry,
    start: Callable[[MockConfigEntry, HomeAssistant], Awaitable[ConfigFlowResult]],
    path: str,
    fields: set[str],
    reason: str,
) -> None:
    """The form shows the wait SmartSense asked for; the next try succeeds."""
    typed = {
        key: value for key, value in _credentials(simulator).items() if key in fields
    }
    simulator.add_fault(path, status=429, retry_after="120")
    result = await start(loaded_entry, hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], typed)
    assert result["errors"] == {"base": "rate_limited"}
    assert result["description_placeholders"] is not None
    assert result["description_placeholders"]["retry_after"] == "120"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], typed)
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == reason


# -- polling ----------------------------------------------------------------


async def test_options_hold_no_interval_and_polling_is_fixed(
    hass: HomeAssistant,
    simulator: Simulator,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Polling is not user-configurable: the options are the locations only.

    The entry polls once per 15 minutes. An entry saved with the old
    polling-interval option polls every 15 minutes all the same (the stored
    option is ignored), and saving the options drops it.
    """
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        config_entry, options={"scan_interval_minutes": 5}
    )
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    result = await hass.config_entries.options.async_init(config_entry.entry_id)
    assert _fields(result) == {CONF_LOCATIONS}

    simulator.reset_counts()
    await advance(hass, freezer, minutes=14)
    assert simulator.request_counts[ASSETS] == 0
    await advance(hass, freezer, minutes=1.5)
    assert simulator.request_counts[ASSETS] == 1

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_LOCATIONS: ["all"]}
    )
    await hass.async_block_till_done()
    assert config_entry.options == {CONF_LOCATIONS: "all"}
