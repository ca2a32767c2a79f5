"""Add SmartSense through Home Assistant's real frontend, in Chromium.

Logs in as the owner, adds the integration from Settings -> Devices &
services, fills the form (the API URL sits in the folded Advanced settings),
leaves out one of the demo account's locations and opens the page of a
created device, taking screenshots on the way.

The screenshots go to the test's temporary folder; with
SMARTSENSE_SCREENSHOTS=docs they also replace docs/config-flow.png,
docs/config-flow-locations.png and docs/device.png, which the README and
CONTRIBUTING.md show.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from PIL import Image
from playwright.async_api import (
    BrowserContext,
    Locator,
    Page,
    Route,
    async_playwright,
    expect,
)
import pytest

from scripts.development.onboarding import OWNER_PASSWORD, OWNER_USERNAME

from .harness import ROOT, HomeAssistantProcess, SimulatorProcess

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

CHROMIUM = Path("/usr/bin/chromium")
# Flags that work on machines without a display, sandbox or internet.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 800}
STEP_TIMEOUT = 30_000  # ms for each page step


@pytest.fixture
def chromium() -> Path:
    """Debian's Chromium; .ci/run installs it, so CI never skips this."""
    if not CHROMIUM.exists() and not os.environ.get("CI"):
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    return CHROMIUM


async def _only_loopback(route: Route) -> None:
    """Let the page reach this Home Assistant only.

    Brand images of other integrations are fetched from the internet by Home
    Assistant on the page's behalf; they are refused here before that.
    """
    url = urlsplit(route.request.url)
    other_brand = "/api/brands/" in url.path and "/smartsense/" not in url.path
    if url.hostname != "127.0.0.1" or other_brand:
        await route.abort()
    else:
        await route.continue_()


@pytest.fixture
async def browser(chromium: Path, tmp_path: Path) -> AsyncIterator[BrowserContext]:
    """Headless Chromium with a new, empty profile."""
    async with async_playwright() as playwright:
        context = await playwright.chromium.launch_persistent_context(
            tmp_path / "chromium-profile",
            executable_path=chromium,
            args=CHROMIUM_FLAGS,
            headless=True,
            viewport=VIEWPORT,  # type: ignore[arg-type]
            locale="en-US",
        )
        context.set_default_timeout(STEP_TIMEOUT)
        expect.set_options(timeout=STEP_TIMEOUT)
        await context.route("**/*", _only_loopback)
        try:
            yield context
        finally:
            await context.close()


async def _log_in(page: Page, ha: HomeAssistantProcess) -> None:
    await page.goto(ha.url)
    await page.get_by_role("textbox", name="Username").fill(OWNER_USERNAME)
    await page.get_by_role("textbox", name="Password").fill(OWNER_PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await page.wait_for_url(lambda url: "auth" not in url)
    await expect(page.get_by_role("link", name="Settings")).to_be_visible()


def _save_small(source: Path, target: Path) -> None:
    """Save a screenshot for the README: 256 colours are plenty for a UI."""
    with Image.open(source) as image:
        small = image.convert("RGB").quantize(colors=256, dither=Image.Dither.NONE)
        small.save(target, optimize=True)


async def _fill_form(page: Page, fields: dict[Locator, str]) -> None:
    """Fill text boxes until each holds its value.

    Under load the frontend may render the form again while it is being
    filled, which drops or moves what was typed; the values are checked after
    a pause and typed again where needed, before the form is submitted.
    """
    for _ in range(5):
        for textbox, value in fields.items():
            if await textbox.input_value() != value:
                await textbox.fill(value)
        await page.wait_for_timeout(300)
        wrong = [
            box for box, value in fields.items() if await box.input_value() != value
        ]
        if not wrong:
            return
    for textbox, value in fields.items():
        await expect(textbox).to_have_value(value)


def _fridge(assets: list[dict[str, Any]]) -> dict[str, Any]:
    """A refrigerator with a name of its own (its page shows a door too)."""
    names = Counter(asset["name"] for asset in assets)
    return next(
        asset
        for asset in assets
        if asset["assetType"] == "Refrigerator" and names[asset["name"]] == 1
    )


def _locations(assets: list[dict[str, Any]]) -> dict[str, str]:
    """Location name -> its label in the locations step ("Store 8 (7 assets)")."""
    counts = Counter(asset["location"]["name"] for asset in assets)
    return {
        name: f"{name} ({count} asset{'s' if count != 1 else ''})"
        for name, count in counts.items()
    }


async def test_add_smartsense_in_the_browser(
    home_assistant: HomeAssistantProcess,
    simulator_process: SimulatorProcess,
    browser: BrowserContext,
    tmp_path: Path,
) -> None:
    """Settings -> Devices & services -> Add integration -> SmartSense -> device."""
    ha, sim = home_assistant, simulator_process
    page = browser.pages[0] if browser.pages else await browser.new_page()
    await _log_in(page, ha)

    await page.get_by_role("link", name="Settings").click()
    await page.get_by_text("Devices & services", exact=True).first.click()
    await page.get_by_role("button", name="Add integration").click()
    await page.get_by_placeholder("Search for a brand name").fill("SmartSense")
    await page.get_by_role("button", name="SmartSense", exact=True).click()

    # The flow's dialog: its host element holds the slotted form as well.
    dialog = page.locator("dialog-data-entry-flow")
    await expect(dialog.get_by_text("Connect to SmartSense")).to_be_visible()
    client_id = dialog.get_by_role("textbox", name="Client ID")
    client_secret = dialog.get_by_role("textbox", name="Client secret")
    api_url = dialog.get_by_role("textbox", name="API URL")
    await expect(api_url).to_be_hidden()  # folded away until asked for
    await dialog.get_by_text("Advanced settings").click()
    await expect(api_url).to_have_value("https://api.smartsense.co")
    await _fill_form(
        page, {client_id: "demo", client_secret: "demo-secret", api_url: sim.url}
    )
    form_shot = tmp_path / "config-flow.png"
    await page.get_by_role("dialog").screenshot(path=form_shot)
    await dialog.get_by_role("button", name="Submit").click()

    # The demo account has several locations, all ticked: leave out one
    # without the fridge (and "All locations", or the form objects).
    token = await sim.token("demo", "demo-secret")
    assets = await sim.assets(token)
    fridge = _fridge(assets)
    stores = _locations(assets)
    left_out = next(name for name in stores if name != fridge["location"]["name"])
    await expect(dialog.get_by_text("Choose locations")).to_be_visible()
    for label in ("All locations, including ones added later", stores[left_out]):
        await dialog.get_by_text(label, exact=True).click()
    await page.wait_for_timeout(300)
    locations_shot = tmp_path / "config-flow-locations.png"
    await page.get_by_role("dialog").screenshot(path=locations_shot)
    await dialog.get_by_role("button", name="Submit").click()

    # Home Assistant lists the new devices to name and place, then Finish.
    await expect(dialog.get_by_role("button", name="Finish")).to_be_visible()
    await dialog.get_by_role("button", name="Finish").click()
    entry = await ha.wait_entry_loaded()
    assert entry["title"] == f"SmartSense ({len(stores) - 1} locations)"
    assert await ha.asset_device_names(entry["entry_id"]) == {
        asset["name"] for asset in assets if asset["location"]["name"] != left_out
    }

    await page.goto(f"{ha.url}/config/integrations/integration/smartsense")
    await page.get_by_text(fridge["name"], exact=True).first.click()
    await page.wait_for_url("**/config/devices/device/**")
    await expect(page.get_by_text("Device info")).to_be_visible()
    temperature = next(
        point
        for point in fridge["sensorPoints"]
        if point["readingType"] == "Temperature"
    )
    # The entity card shows the point's reading with its unit.
    row = page.get_by_text(temperature["name"], exact=True).first
    await expect(row).to_be_visible()
    await expect(page.get_by_text("°F").first).to_be_visible()
    await page.wait_for_timeout(500)  # icons and relative times settle
    device_shot = tmp_path / "device.png"
    await page.screenshot(path=device_shot)

    if target := os.environ.get("SMARTSENSE_SCREENSHOTS"):
        folder = ROOT / target
        folder.mkdir(parents=True, exist_ok=True)
        for shot in (form_shot, locations_shot, device_shot):
            _save_small(shot, folder / shot.name)
