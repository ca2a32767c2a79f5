"""Tokens: obtained once per lifetime, shared, renewed, refused."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from custom_components.smartsense.api import (
    SmartSenseAccessRefusedError,
    SmartSenseAuthError,
    SmartSenseClient,
    SmartSenseError,
    SmartSenseResponseError,
)
from simulator import Simulator

from .conftest import FakeClock

AUTH = "/auth/oauth"


async def test_token_is_reused_while_it_lives(
    client: SmartSenseClient, simulator: Simulator
) -> None:
    """Many data calls within a token's lifetime cost one token request."""
    for _ in range(5):
        await client.async_get_asset_page()
    assert simulator.request_counts[AUTH] == 1
    assert simulator.request_counts["/assets"] == 5


async def test_token_is_renewed_a_minute_before_expiry(
    client: SmartSenseClient, simulator: Simulator, clock: FakeClock
) -> None:
    """The token is renewed 60 s before SmartSense says it expires, not after."""
    await client.async_get_asset_page()
    clock.now += 3600 - 61
    await client.async_get_asset_page()
    assert simulator.request_counts[AUTH] == 1
    clock.now += 2
    simulator.advance(3600 - 59)
    await client.async_get_asset_page()
    assert simulator.request_counts[AUTH] == 2


async def test_short_token_lifetime_is_used_for_half_its_length(
    client: SmartSenseClient, simulator: Simulator, clock: FakeClock
) -> None:
    """A lifetime under two minutes cannot lose a minute; half of it is used."""
    simulator.token_lifetime = 100
    await client.async_get_asset_page()
    clock.now += 49
    await client.async_get_asset_page()
    assert simulator.request_counts[AUTH] == 1
    clock.now += 2
    await client.async_get_asset_page()
    assert simulator.request_counts[AUTH] == 2


async def test_concurrent_callers_share_one_token_request(
    client: SmartSenseClient, simulator: Simulator
) -> None:
    """Ten calls started together wait for one token, not ten."""
    await asyncio.gather(*(client.async_get_asset_page() for _ in range(10)))
    assert simulator.request_counts[AUTH] == 1


async def test_concurrent_401s_share_one_renewal(
    client: SmartSenseClient, simulator: Simulator
) -> None:
    """When a revoked token fails several calls at once, one renewal serves all."""
    await client.async_get_asset_page()
    simulator.revoke_tokens()
    await asyncio.gather(*(client.async_get_asset_page() for _ in range(5)))
    assert simulator.request_counts[AUTH] == 2


async def test_revoked_token_is_renewed_and_the_call_retried(
    client: SmartSenseClient, simulator: Simulator
) -> None:
    """A 401 on data renews the token once and retries the call once."""
    await client.async_get_asset_page()
    simulator.revoke_tokens()
    page = await client.async_get_asset_page()
    assert page.assets
    assert simulator.request_counts[AUTH] == 2
    assert simulator.request_counts["/assets"] == 3


async def test_fresh_token_refused_again_is_access_refused(
    client: SmartSenseClient, simulator: Simulator, clock: FakeClock
) -> None:
    """A fresh token refused again is no auth error: tokens are still issued.

    No third attempt; the fresh token is kept for the next call, and the
    error says how long data has been refused, until a call succeeds.
    """
    await client.async_get_asset_page()
    simulator.add_fault("/assets", count=2, status=401)
    with pytest.raises(SmartSenseAccessRefusedError) as err:
        await client.async_get_asset_page()
    assert err.value.refused_for == 0
    assert simulator.request_counts["/assets"] == 3
    assert simulator.request_counts[AUTH] == 2
    clock.now += 900
    simulator.add_fault("/assets", count=2, status=401)
    with pytest.raises(SmartSenseAccessRefusedError) as err:
        await client.async_get_asset_page()
    assert err.value.refused_for == 900
    assert simulator.request_counts[AUTH] == 3
    await client.async_get_asset_page()
    simulator.add_fault("/assets", count=2, status=401)
    with pytest.raises(SmartSenseAccessRefusedError) as err:
        await client.async_get_asset_page()
    assert err.value.refused_for == 0


async def test_403_is_access_refused_without_renewal(
    client: SmartSenseClient, simulator: Simulator
) -> None:
    """A forbidden data request is refused access; a new token cannot help."""
    await client.async_get_asset_page()
    simulator.add_fault("/assets", status=403)
    with pytest.raises(SmartSenseAccessRefusedError):
        await client.async_get_asset_page()
    assert simulator.request_counts["/assets"] == 2
    assert simulator.request_counts[AUTH] == 1


async def test_rotated_secret_is_an_auth_error(
    client: SmartSenseClient, simulator: Simulator
) -> None:
    """After the secret is rotated, the renewal is refused: an auth error."""
    await client.async_get_asset_page()
    simulator.rotate_secret("demo", "new-secret")
    with pytest.raises(SmartSenseAuthError) as err:
        await client.async_get_asset_page()
    assert "demo-secret" not in str(err.value)


@pytest.mark.parametrize(
    ("client_id", "secret"),
    [("demo", "wrong-secret"), ("nobody", "demo-secret")],
)
async def test_invalid_credentials(
    session: aiohttp.ClientSession, simulator: Simulator, client_id: str, secret: str
) -> None:
    """A wrong secret (401) or an unknown client (400) is an auth error."""
    client = SmartSenseClient(session, client_id, secret, base_url=simulator.url)
    with pytest.raises(SmartSenseAuthError) as err:
        await client.async_get_asset_page()
    assert secret not in str(err.value)
    assert simulator.request_counts["/assets"] == 0


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ('{"error": "invalid_client"}', SmartSenseAuthError),
        ('{"error": "unauthorized_client"}', SmartSenseAuthError),
        ('{"error": "invalid_request"}', SmartSenseResponseError),
        ('{"error": 7}', SmartSenseResponseError),
        ("[]", SmartSenseResponseError),
        ("400 bad request", SmartSenseResponseError),
        ("{", SmartSenseResponseError),
    ],
)
async def test_400_from_the_token_endpoint(
    client: SmartSenseClient,
    simulator: Simulator,
    body: str,
    error: type[SmartSenseError],
) -> None:
    """Only a 400 whose OAuth2 error refuses the client refuses the credentials.

    Any other 400 is a failed request: the next call asks again.
    """
    simulator.add_fault(AUTH, status=400, body=body)
    with pytest.raises(error):
        await client.async_get_asset_page()
    await client.async_get_asset_page()
    assert simulator.request_counts[AUTH] == 2


@pytest.mark.parametrize(
    "body",
    [
        '{"token_type": "Bearer", "expires_in": 3600}',
        '{"access_token": "abc", "token_type": "Bearer"}',
        '{"access_token": "abc", "expires_in": "soon"}',
        "[1, 2]",
    ],
)
async def test_unusable_token_answer(
    client: SmartSenseClient, simulator: Simulator, body: str
) -> None:
    """A token answer without a token or a lifetime is a response error."""
    simulator.add_fault(AUTH, status=200, body=body)
    with pytest.raises(SmartSenseResponseError):
        await client.async_get_asset_page()
