"""Install and update SmartSense from its GitHub releases, through the Marketplace.

Home Assistant 2026.11.0's Marketplace (2026.10.4 has none), driven over the
HTTP and WebSocket API its panel uses, installs from tests/e2e/github.py, a
loopback GitHub that serves this checkout as the release v0.1.0 (the zip
scripts/release builds). Home Assistant starts with the Marketplace turned
off, the loopback server already its download source: on, with the default
one, it would fetch its catalog from the internet. As a user: 1. onboarding
creates the owner; 2. the Marketplace is turned on, gets its first-run
warning accepted and GitHub connected (which adding a custom repository
needs); 3. the repository is added as a custom repository of type
Integration; 4. its latest release is installed; 5. Home Assistant restarts;
6. SmartSense is added against the simulator; 7. its devices and entities
are there.

Then v0.1.1 is tagged (this tree, with manifest.json saying 0.1.1). After
"Refresh information" the Marketplace's update entity offers it; installing
it asks for a restart, after which the same entry, devices and entities run
the new code and poll. The install and update times show at the end of the
run. The test reaches into the Marketplace only with marketplace_hass.py and
the options of the entry it starts with.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
import io
import json
from pathlib import Path
import time
from typing import Any
import zipfile

import pytest

from scripts.packaging import ROOT, changelog_entry, manifest_version

from .github import (
    PROFILE_ID,
    REPOSITORY_ID,
    LoopbackGitHub,
    Release,
    release_of_this_tree,
)
from .harness import (
    HomeAssistantProcess,
    SimulatorProcess,
    build_config,
    free_port,
    running,
    wait_for,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

NEWEST = ROOT / ".venv-newest" / "bin"
WRAPPER = Path(__file__).with_name("marketplace_hass.py")
VERSION = manifest_version(ROOT)
NEXT_VERSION = "0.1.1"
assert VERSION != NEXT_VERSION, "the test tags the next version itself"


@pytest.fixture
async def github(tmp_path: Path) -> AsyncIterator[LoopbackGitHub]:
    """The loopback GitHub, with this tree released as manifest.json's version."""
    server = LoopbackGitHub()
    server.publish(
        release_of_this_tree(
            tmp_path / "releases",
            VERSION,
            changelog_entry(ROOT, VERSION),
            "2026-12-01T09:00:00Z",
        )
    )
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
        # Shown by pytest only when the test fails.
        print("--- requests the loopback GitHub did not answer ---")  # noqa: T201
        print("\n".join(server.misses))  # noqa: T201


@pytest.fixture
async def home_assistant(
    tmp_path: Path, simulator_process: SimulatorProcess, github: LoopbackGitHub
) -> AsyncIterator[HomeAssistantProcess]:
    """Home Assistant 2026.11.0 without SmartSense, started by marketplace_hass.py.

    The Marketplace is off, with the loopback GitHub as its download source.
    """
    port = free_port()
    config_dir = build_config(
        tmp_path / "config",
        port,
        NEWEST / "hass",
        integration=False,
        marketplace={"profile": PROFILE_ID},
    )
    command = [str(NEWEST / "python"), str(WRAPPER), json.dumps(github.profile)]
    ha = HomeAssistantProcess(
        NEWEST / "hass", config_dir, port, tmp_path / "hass.log", command=command
    )
    async with running(ha):
        yield ha


async def _marketplace(ha: HomeAssistantProcess, command: dict[str, Any]) -> Any:
    """A Marketplace command's result, asked again while the Marketplace reloads."""

    async def answer() -> dict[str, Any] | None:
        try:
            return {"result": await ha.ws(command)}
        except AssertionError:  # not loaded (yet)
            return None

    answered = await wait_for(answer, f"the Marketplace to answer {command}", 60)
    return answered["result"]


async def _set_up_marketplace(ha: HomeAssistantProcess) -> None:
    """Turn the Marketplace on, accept the warning, connect GitHub."""
    # Settings > Devices & services > Marketplace > Enable.
    (entry,) = await ha.get("/api/config/config_entries/entry?domain=marketplace")
    assert entry["disabled_by"] == "user", entry
    enabled = await ha.ws(
        {
            "type": "config_entries/disable",
            "entry_id": entry["entry_id"],
            "disabled_by": None,
        }
    )
    assert enabled == {"require_restart": False}, enabled
    await _marketplace(ha, {"type": "marketplace/warning/accept"})

    # Connect GitHub: the device flow, which the loopback GitHub approves at once.
    flow = await _marketplace(ha, {"type": "marketplace/github/connect"})
    path = f"/api/config/config_entries/flow/{flow['flow_id']}"
    result = await ha.post(path, {})
    assert result["type"] == "progress", result

    async def approved() -> dict[str, Any] | None:
        # The dialog asks for the next step once GitHub has answered.
        result = await ha.get(path)
        return None if result["type"] == "progress" else result

    result = await wait_for(approved, "GitHub to approve the connection")
    assert result["type"] == "abort", result
    assert result["reason"] == "reconfigure_successful"

    async def connected() -> bool | None:
        info = await _marketplace(ha, {"type": "marketplace/info"})
        return True if info["github_connected"] else None

    await wait_for(connected, "the Marketplace to use the GitHub connection", 60)


async def _repository(ha: HomeAssistantProcess) -> dict[str, Any]:
    """What the Marketplace's list says about SmartSense's repository."""
    listed = await ha.ws({"type": "marketplace/repositories/list"})
    (repository,) = [item for item in listed if item["id"] == str(REPOSITORY_ID)]
    return dict(repository)


def _names(release: Release) -> set[str]:
    """The files of a release's smartsense.zip."""
    with zipfile.ZipFile(io.BytesIO(release.archive)) as archive:
        return set(archive.namelist())


def _installed(ha: HomeAssistantProcess) -> tuple[str, set[str]]:
    """The version in custom_components/smartsense, and its files."""
    folder = ha.config_dir / "custom_components" / "smartsense"
    manifest = json.loads((folder / "manifest.json").read_text())
    files = {
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    return manifest["version"], files


async def _registries(ha: HomeAssistantProcess, entry_id: str) -> dict[str, Any]:
    """The entry's devices and entities, as the registries hold them."""
    devices = await ha.ws({"type": "config/device_registry/list"})
    entities = await ha.ws({"type": "config/entity_registry/list"})
    return {
        "devices": sorted(d["id"] for d in devices if entry_id in d["config_entries"]),
        "entities": sorted(
            (e["entity_id"], e["unique_id"], e["id"])
            for e in entities
            if e["config_entry_id"] == entry_id
        ),
    }


async def _restart_issues(ha: HomeAssistantProcess) -> list[str]:
    """The Marketplace's "Restart required" repairs."""
    issues = (await ha.ws({"type": "repairs/list_issues"}))["issues"]
    return [
        issue["issue_id"]
        for issue in issues
        if issue["domain"] == "marketplace"
        and issue["issue_id"].startswith("restart_required_")
    ]


async def test_install_and_update_through_the_marketplace(
    home_assistant: HomeAssistantProcess,
    simulator_process: SimulatorProcess,
    github: LoopbackGitHub,
    tmp_path: Path,
    e2e_summary: Callable[[str], None],
) -> None:
    """From a custom repository to a running, updated SmartSense."""
    ha, sim = home_assistant, simulator_process
    began = time.monotonic()
    await _set_up_marketplace(ha)

    # -- add the repository, install its latest release -------------------
    await ha.ws(
        {
            "type": "marketplace/repositories/add",
            "repository": f"https://github.com/{github.repository}",
            "category": "integration",
        }
    )
    repository = await _repository(ha)
    assert repository["name"] == "SmartSense"
    assert repository["available_version"] == f"v{VERSION}"
    assert not repository["installed"]
    started = time.monotonic()
    await ha.ws(
        {"type": "marketplace/repository/install", "repository": str(REPOSITORY_ID)}
    )
    install_seconds = time.monotonic() - started
    assert _installed(ha) == (VERSION, _names(github.releases[0]))
    repository = await _repository(ha)
    assert repository["installed_version"] == f"v{VERSION}"

    # -- restart, add SmartSense, see its devices and entities ------------
    await ha.restart()
    entry = await ha.add_smartsense("demo", "demo-secret", sim.url)
    await ha.wait_entry_loaded()
    before = await _registries(ha, entry["entry_id"])
    assert len(before["devices"]) > 1, "an asset device beside the service device"
    states = await ha.states()
    # A temperature, to follow through the update.
    entity_id, unique_id = next(
        (entity_id, unique_id)
        for entity_id, unique_id, _ in before["entities"]
        if unique_id.endswith(":value")
        and states[entity_id]["attributes"].get("unit_of_measurement") == "°F"
    )
    assert states[entity_id]["state"] not in ("unavailable", "unknown")

    # -- v0.1.1 is tagged: the update entity offers it --------------------
    github.publish(
        release_of_this_tree(
            tmp_path / "releases",
            NEXT_VERSION,
            "The end-to-end test's release.",
            "2026-12-02T09:00:00Z",
        )
    )
    # The repository's menu: Refresh information.
    await ha.ws(
        {"type": "marketplace/repository/refresh", "repository": str(REPOSITORY_ID)}
    )
    entities = await ha.ws({"type": "config/entity_registry/list"})
    (update,) = [
        e["entity_id"]
        for e in entities
        if e["platform"] == "marketplace"
        and e["unique_id"] == str(REPOSITORY_ID)
        and e["entity_id"].startswith("update.")
    ]
    offered = await ha.state(update)
    assert offered["state"] == "on", offered
    assert offered["attributes"]["installed_version"] == f"v{VERSION}"
    assert offered["attributes"]["latest_version"] == f"v{NEXT_VERSION}"

    started = time.monotonic()
    await ha.call_service("update", "install", {"entity_id": update})
    update_seconds = time.monotonic() - started
    assert _installed(ha) == (NEXT_VERSION, _names(github.releases[0]))
    # The running code is the old one until the restart, and the user is told.
    assert await _restart_issues(ha) != []
    await ha.restart()

    # -- the same entry, devices and entities, on the new code, polling ---
    manifest = await ha.ws({"type": "manifest/get", "integration": "smartsense"})
    assert manifest["version"] == NEXT_VERSION
    assert (await ha.wait_entry_loaded())["entry_id"] == entry["entry_id"]
    assert await _registries(ha, entry["entry_id"]) == before
    assert await _restart_issues(ha) == []
    updated = await ha.state(update)
    assert updated["state"] == "off", updated
    assert updated["attributes"]["installed_version"] == f"v{NEXT_VERSION}"

    # A new reading shows, once a refresh polls SmartSense.
    await sim.push_reading(unique_id.removesuffix(":value"), 33.5)
    await ha.call_service("homeassistant", "update_entity", {"entity_id": entity_id})

    async def shows_new_reading() -> bool | None:
        return True if (await ha.state(entity_id))["state"] == "33.5" else None

    await wait_for(shows_new_reading, f"{entity_id} to show the new reading")
    e2e_summary(
        f"Marketplace (2026.11.0): install {install_seconds * 1000:.0f} ms, "
        f"update {update_seconds * 1000:.0f} ms, "
        f"whole test {time.monotonic() - began:.0f} s"
    )
