"""Secrets that never leak.

Not in states, forms, translations, diagnostics, exceptions, nor over plain
http or a redirect. (Log records of every test are checked by the suite-wide
guard in tests/safety.py.)
"""

from __future__ import annotations

import json
from pathlib import Path
import re
from typing import Any

import aiohttp
from aiohttp import web
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_USER, ConfigFlowResult
from homeassistant.const import CONF_CLIENT_ID, CONF_CLIENT_SECRET, CONF_URL
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.smartsense.api import SmartSenseClient, SmartSenseError
from custom_components.smartsense.config_flow import SECTION_ADVANCED
from custom_components.smartsense.const import DOMAIN
from custom_components.smartsense.diagnostics import (
    async_get_config_entry_diagnostics,
)
from simulator import Simulator

from .conftest import advance, check_account
from .safety import DEMO_CLIENT_ID, DEMO_SECRET, LogGuard, exception_text

TRANSLATIONS = (
    Path(__file__).parent.parent / "custom_components/smartsense/translations/en.json"
)
# Placeholders the texts may use; none of them can carry a credential.
SAFE_PLACEHOLDERS = {
    "web_app_url",
    "retry_after",
    "seconds",
    "error",
    "point",
    "count",
    # An answer in a shape this version does not know: field names and JSON
    # types only (see test_unexpected_answers.py).
    "request",
    "status",
    "report",
    "issue_url",
}
NEW_SECRET = "n3w-s3cret-after-rotation"


def _strings(value: Any) -> list[str]:
    """Every string inside a translation file."""
    if isinstance(value, dict):
        return [text for item in value.values() for text in _strings(item)]
    return [value] if isinstance(value, str) else []


def _no_secret(guard: LogGuard, value: Any) -> None:
    found = guard.secrets.found_in(json.dumps(value, default=repr))
    assert not found, found


async def test_no_secret_in_states(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    log_guard: LogGuard,
) -> None:
    """No state or attribute of any entity shows a credential or a token."""
    assert log_guard.secrets.tokens >= 1
    states = hass.states.async_all()
    assert states
    for state in states:
        _no_secret(log_guard, {"state": state.state, **state.attributes})


def test_translation_placeholders_are_safe() -> None:
    """The English texts only use placeholders that cannot hold a secret."""
    texts = _strings(json.loads(TRANSLATIONS.read_text()))
    used = {name for text in texts for name in re.findall(r"{(\w+)}", text)}
    assert used
    assert used <= SAFE_PLACEHOLDERS
    assert not any(DEMO_SECRET in text for text in texts)


async def _user_flow(
    hass: HomeAssistant, url: str, secret: str = DEMO_SECRET
) -> ConfigFlowResult:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    return await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_CLIENT_ID: DEMO_CLIENT_ID,
            CONF_CLIENT_SECRET: secret,
            SECTION_ADVANCED: {CONF_URL: url},
        },
    )


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ({"status": 401}, "invalid_auth"),
        ({"status": 503}, "cannot_connect"),
        ({"status": 429, "retry_after": "120"}, "rate_limited"),
        ({"kind": "malformed_json"}, "cannot_connect"),
    ],
)
async def test_no_secret_in_form_placeholders(
    hass: HomeAssistant,
    simulator: Simulator,
    log_guard: LogGuard,
    fault: dict[str, Any],
    error: str,
) -> None:
    """A form that reports an error shows only safe placeholders."""
    simulator.add_fault("/auth/oauth", **fault)
    result = await _user_flow(hass, simulator.url)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}
    placeholders = result["description_placeholders"] or {}
    assert set(placeholders) <= SAFE_PLACEHOLDERS
    _no_secret(log_guard, placeholders)


async def test_plain_http_to_another_host_sends_nothing(
    hass: HomeAssistant, simulator: Simulator
) -> None:
    """The form refuses plain http off this machine before any request."""
    result = await _user_flow(hass, "http://api.smartsense.co")
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {SECTION_ADVANCED: "invalid_url"}
    assert not simulator.request_counts


async def _serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"


@pytest.mark.parametrize("redirected", ["/auth/oauth", "/assets"])
async def test_credentials_never_follow_a_redirect(
    socket_enabled: None, log_guard: LogGuard, redirected: str
) -> None:
    """A redirect to another origin never carries the Basic or Bearer header."""
    seen: list[dict[str, str]] = []

    async def elsewhere(request: web.Request) -> web.Response:
        seen.append(dict(request.headers))
        return web.Response(status=404, text="not here")

    other = web.Application()
    other.router.add_route("*", "/{tail:.*}", elsewhere)
    other_runner, other_url = await _serve(other)

    async def smartsense(request: web.Request) -> web.Response:
        if request.path == redirected:
            raise web.HTTPTemporaryRedirect(f"{other_url}{request.path_qs}")
        return web.json_response({"access_token": "t0ken", "expires_in": 3600})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", smartsense)
    runner, url = await _serve(app)
    try:
        async with aiohttp.ClientSession() as session:
            client = SmartSenseClient(
                session, DEMO_CLIENT_ID, DEMO_SECRET, base_url=url
            )
            with pytest.raises(SmartSenseError):
                await client.async_get_asset_page()
    finally:
        await runner.cleanup()
        await other_runner.cleanup()
    assert seen, "the redirect was not followed"
    for headers in seen:
        assert "Authorization" not in headers
        _no_secret(log_guard, headers)


async def test_no_secret_in_diagnostics_or_errors_after_rotation(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    simulator: Simulator,
    log_guard: LogGuard,
) -> None:
    """Rotation, a failed poll, reauth: no secret or token shows on the way.

    Neither diagnostics nor any error shows the old or new secret or a token.
    """
    log_guard.secrets.add_credentials(DEMO_CLIENT_ID, NEW_SECRET)
    simulator.rotate_secret(DEMO_CLIENT_ID, NEW_SECRET)
    await advance(hass, freezer)
    coordinator = loaded_entry.runtime_data.coordinator
    err = coordinator.last_exception
    assert isinstance(err, HomeAssistantError)
    assert not log_guard.secrets.found_in(exception_text(err))
    _no_secret(log_guard, err.translation_placeholders)
    _no_secret(log_guard, await async_get_config_entry_diagnostics(hass, loaded_entry))

    (flow,) = hass.config_entries.flow.async_progress()
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"],
        {CONF_CLIENT_SECRET: NEW_SECRET},
    )
    assert result["type"] is FlowResultType.ABORT
    await hass.async_block_till_done()
    diagnostics = await async_get_config_entry_diagnostics(hass, loaded_entry)
    assert diagnostics["coordinator"]["last_update_success"] is True
    _no_secret(log_guard, diagnostics)
    for state in hass.states.async_all():
        _no_secret(log_guard, dict(state.attributes))


# Customer data an unexpected answer may carry: none of it may be shown.
CUSTOMER_NAMES = ("Rosewood Pharmacy, 12 Baker Street", "Dr Jane Roe's insulin fridge")
ANSWER_SECRET = "answer-s3cret-4f9a"


def _customer_data(simulator: Simulator, log_guard: LogGuard) -> list[str]:
    """Put customer-like names and a secret in the answers; what must not show."""
    asset_id, *_ = simulator.asset_ids()
    point_id, *_ = simulator.sensor_point_ids(asset_id=asset_id)
    simulator.patch_asset(asset_id, name=CUSTOMER_NAMES[0], apiKey=ANSWER_SECRET)
    simulator.patch_sensor_point(point_id, name=CUSTOMER_NAMES[1])
    log_guard.secrets.add(ANSWER_SECRET, "a secret inside an answer")
    return [
        *CUSTOMER_NAMES,
        *simulator.asset_ids(),
        *simulator.sensor_point_ids(),
        *simulator.locations(),
        *simulator.locations().values(),
    ]


def _shows_nothing(guard: LogGuard, forbidden: list[str], value: Any) -> None:
    text = json.dumps(value, default=repr)
    _no_secret(guard, value)
    assert not [item for item in forbidden if item in text]


VARIANTS = ["items_paging", "snake_case", "bare_list", "epoch_ms", "html_200"]


@pytest.mark.parametrize("variant", VARIANTS)
async def test_unexpected_answer_form_and_check_show_shapes_only(
    hass: HomeAssistant, simulator: Simulator, log_guard: LogGuard, variant: str
) -> None:
    """The form, its log line and check-account show no secret, value, id or name.

    The answers carry customer-like names, ids and a secret.
    """
    forbidden = _customer_data(simulator, log_guard)
    simulator.answer_as(variant)
    result = await _user_flow(hass, simulator.url)
    assert result["errors"] == {"base": "unexpected_answer"}
    placeholders = result["description_placeholders"] or {}
    assert set(placeholders) <= SAFE_PLACEHOLDERS
    _shows_nothing(log_guard, forbidden, placeholders)
    warnings = [r.getMessage() for r in log_guard.records if r.levelno >= 30]
    assert any(placeholders["report"] in line for line in warnings)
    _shows_nothing(log_guard, forbidden, warnings)

    status, output = await check_account(simulator.url)
    assert status == 1
    assert placeholders["report"] in output
    _shows_nothing(log_guard, forbidden, output)


@pytest.mark.parametrize("variant", VARIANTS)
async def test_answers_changed_issue_shows_shapes_only(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    simulator: Simulator,
    log_guard: LogGuard,
    variant: str,
) -> None:
    """The repair issue, the poll's error and the log line show shapes only."""
    forbidden = _customer_data(simulator, log_guard)
    simulator.answer_as(variant)
    await advance(hass, freezer)
    issue = ir.async_get(hass).async_get_issue(
        DOMAIN, f"answers_changed_assets_{loaded_entry.entry_id}"
    )
    assert issue is not None
    _shows_nothing(log_guard, forbidden, issue.translation_placeholders)
    err = loaded_entry.runtime_data.coordinator.last_exception
    assert err is not None
    _shows_nothing(log_guard, forbidden, exception_text(err))
    warnings = [r.getMessage() for r in log_guard.records if r.levelno >= 30]
    _shows_nothing(log_guard, forbidden, warnings)
    diagnostics = await async_get_config_entry_diagnostics(hass, loaded_entry)
    _no_secret(log_guard, diagnostics)


async def test_keys_made_of_ids_or_names_are_counted_not_named(
    hass: HomeAssistant, simulator: Simulator, log_guard: LogGuard
) -> None:
    """An answer keyed by ids or names: the report counts those keys."""
    forbidden = _customer_data(simulator, log_guard)
    point_id = simulator.sensor_point_ids()[0]
    keyed = {point_id: {"value": 1}, CUSTOMER_NAMES[0]: 2, "results": []}
    simulator.add_fault("/assets", status=200, body=json.dumps(keyed))
    result = await _user_flow(hass, simulator.url)
    assert result["errors"] == {"base": "unexpected_answer"}
    placeholders = result["description_placeholders"] or {}
    assert placeholders["report"].endswith("got `results` (list of 0), 2 other keys")
    _shows_nothing(log_guard, forbidden, placeholders)
