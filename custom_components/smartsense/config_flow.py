"""Config flow: client credentials, reauthentication and reconfiguration."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import ConfigFlow, ConfigFlowResult
from homeassistant.const import CONF_CLIENT_ID, CONF_CLIENT_SECRET, CONF_URL
from homeassistant.data_entry_flow import section
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import voluptuous as vol

from .api import (
    DEFAULT_BASE_URL,
    SmartSenseAccessRefusedError,
    SmartSenseAuthError,
    SmartSenseClient,
    SmartSenseError,
    SmartSenseRateLimitError,
)
from .const import DOMAIN, LOGGER, WEB_APP_URL

_SECRET = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
_URL = TextSelector(TextSelectorConfig(type=TextSelectorType.URL))
# The form's error for a client error; any other is cannot_connect.
_FORM_ERRORS: dict[type[SmartSenseError], str] = {
    SmartSenseAuthError: "invalid_auth",
    SmartSenseAccessRefusedError: "access_refused",
}
# The user step keeps the API URL in a collapsed section: only those testing
# against a simulator change it.
SECTION_ADVANCED = "advanced"


class SmartSenseConfigFlow(ConfigFlow, domain=DOMAIN):
    """Set up a SmartSense account from its API client credentials."""

    VERSION = 1

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the client id and secret (and, folded away, the API URL)."""
        errors: dict[str, str] = {}
        placeholders = {"web_app_url": WEB_APP_URL}
        if user_input is not None:
            await self.async_set_unique_id(user_input[CONF_CLIENT_ID])
            self._abort_if_unique_id_configured()
            data = {
                CONF_CLIENT_ID: user_input[CONF_CLIENT_ID],
                CONF_CLIENT_SECRET: user_input[CONF_CLIENT_SECRET],
                CONF_URL: user_input[SECTION_ADVANCED][CONF_URL],
            }
            errors = await self._async_validate(
                data, placeholders, url_field=SECTION_ADVANCED
            )
            if not errors:
                return self.async_create_entry(title="SmartSense", data=data)
        schema = self._schema(with_url=False).extend(
            {
                vol.Required(SECTION_ADVANCED): section(
                    vol.Schema(
                        {vol.Required(CONF_URL, default=DEFAULT_BASE_URL): _URL}
                    ),
                    {"collapsed": True},
                )
            }
        )
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(schema, user_input),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def async_step_reauth(
        self, entry_data: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """SmartSense refused the stored credentials."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the new client secret; the client id stays the same."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        placeholders = {"web_app_url": WEB_APP_URL}
        if user_input is not None:
            errors = await self._async_validate(
                {**entry.data, **user_input}, placeholders
            )
            if not errors:
                return self.async_update_reload_and_abort(
                    entry, data_updates=user_input
                )
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=vol.Schema({vol.Required(CONF_CLIENT_SECRET): _SECRET}),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the credentials or the API URL of the same account."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        placeholders = {"web_app_url": WEB_APP_URL}
        if user_input is not None:
            await self.async_set_unique_id(user_input[CONF_CLIENT_ID])
            self._abort_if_unique_id_mismatch(reason="wrong_account")
            data = {**entry.data, **user_input}
            errors = await self._async_validate(data, placeholders)
            if not errors:
                return self.async_update_reload_and_abort(entry, data_updates=data)
        suggested = user_input or {
            key: value for key, value in entry.data.items() if key != CONF_CLIENT_SECRET
        }
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                self._schema(with_url=True), suggested
            ),
            errors=errors,
            description_placeholders=placeholders,
        )

    @staticmethod
    def _schema(*, with_url: bool) -> vol.Schema:
        fields: dict[Any, Any] = {
            vol.Required(CONF_CLIENT_ID): str,
            vol.Required(CONF_CLIENT_SECRET): _SECRET,
        }
        if with_url:
            fields[vol.Required(CONF_URL, default=DEFAULT_BASE_URL)] = _URL
        return vol.Schema(fields)

    async def _async_validate(
        self,
        data: Mapping[str, Any],
        placeholders: dict[str, str],
        *,
        url_field: str = CONF_URL,
    ) -> dict[str, str]:
        """Request a token and the first asset; return the form's errors.

        An unusable URL is reported on `url_field`, the form entry holding it.
        """
        try:
            client = SmartSenseClient(
                async_get_clientsession(self.hass),
                data[CONF_CLIENT_ID],
                data[CONF_CLIENT_SECRET],
                base_url=data[CONF_URL],
            )
        except ValueError:
            return {url_field: "invalid_url"}
        try:
            await client.async_get_asset_page(page=1, page_size=1)
        except SmartSenseRateLimitError as err:
            placeholders["retry_after"] = str(round(err.retry_after or 60))
            return {"base": "rate_limited"}
        except SmartSenseError as err:
            return {"base": _FORM_ERRORS.get(type(err), "cannot_connect")}
        except Exception:  # noqa: BLE001 - the form shows "unknown" instead
            LOGGER.exception("Unexpected error while checking SmartSense credentials")
            return {"base": "unknown"}
        return {}
