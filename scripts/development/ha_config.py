"""The Home Assistant configuration directory that scripts/develop prepares."""

from __future__ import annotations

from datetime import UTC, datetime
import json
from pathlib import Path
import shutil
import sys
from typing import Any
import uuid

from . import HOST, ROOT

CONFIG_DIR = ROOT / "config"
INTEGRATION_DIR = ROOT / "custom_components" / "smartsense"
# Every onboarding step but the owner account, which is made through the API.
ONBOARDING_DONE_AHEAD = ("core_config", "analytics", "integration")


def configuration_yaml(port: int, *, name: str = "SmartSense development") -> str:
    """A small configuration.yaml: no discovery, no cloud (see seed_http)."""
    return f"""\
# Home Assistant for SmartSense development, written by scripts/develop.
# Edit it freely: scripts/develop does not overwrite an existing file.
homeassistant:
  name: {name}
  unit_system: us_customary
  time_zone: America/New_York
  country: US
  currency: USD
  latitude: 40.7128
  longitude: -74.006
  elevation: 10

# The HTTP server (127.0.0.1:{port}) is set in .storage/http, where Home
# Assistant 2026.10 keeps it: an `http:` section here would be migrated there
# as an unconfirmed trial that reverts to 0.0.0.0 after five minutes.

# Not default_config: its discovery integrations would search the network.
frontend:
history:
logbook:

automation: !include automations.yaml

logger:
  default: warning
  logs:
    custom_components.smartsense: debug
    # ffmpeg, libturbojpeg and zlib-ng are not installed; nothing here needs them.
    aiohttp_fast_zlib: error
    haffmpeg: critical
    homeassistant.components.camera.img_util: critical
"""


def install_integration(config_dir: Path, *, copy: bool) -> Path:
    """Put the integration in config_dir/custom_components/smartsense.

    `copy=True` copies only custom_components/smartsense/, as HACS installs it;
    otherwise a symlink to the repository's folder, so edits apply on restart.
    """
    target = config_dir / "custom_components" / "smartsense"
    target.parent.mkdir(parents=True, exist_ok=True)
    if copy:
        shutil.copytree(
            INTEGRATION_DIR, target, ignore=shutil.ignore_patterns("__pycache__")
        )
    elif not target.exists() and not target.is_symlink():
        target.symlink_to(INTEGRATION_DIR, target_is_directory=True)
    return target


def seed_onboarding(config_dir: Path) -> None:
    """Mark every onboarding step but the owner account done (first run only).

    The skipped steps would set up location-detection and demo integrations
    (Met.no, Radio Browser ...) that need the internet.
    """
    path = config_dir / ".storage" / "onboarding"
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    store = {
        "version": 4,
        "minor_version": 1,
        "key": "onboarding",
        "data": {"done": list(ONBOARDING_DONE_AHEAD)},
    }
    path.write_text(json.dumps(store, indent=2) + "\n", encoding="utf-8")


def seed_http(config_dir: Path, port: int) -> None:
    """Listen on 127.0.0.1:port only (first run only).

    Home Assistant 2026.10 keeps its HTTP settings in .storage/http; settings
    stored as `stable` are used as they are, with no confirmation dialog.
    """
    path = config_dir / ".storage" / "http"
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    stable = {
        "server_host": [HOST],
        "server_port": port,
        "cors_allowed_origins": ["https://cast.home-assistant.io"],
        "login_attempts_threshold": -1,
        "ip_ban_enabled": True,
        "ssl_profile": "modern",
        "use_x_frame_options": True,
        "created_at": datetime.now(UTC).isoformat(),
        "error": None,
        "error_message": None,
    }
    store = {
        "version": 2,
        "minor_version": 2,
        "key": "http",
        "data": {"stable": stable, "pending": None, "yaml_migration_done": True},
    }
    path.write_text(json.dumps(store, indent=2) + "\n", encoding="utf-8")


def has_marketplace(hass: Path) -> bool:
    """Whether the Home Assistant of this `hass` executable has the Marketplace."""
    venv = hass.parent.parent
    return any(
        venv.glob("lib/python3*/site-packages/homeassistant/components/marketplace")
    )


def seed_marketplace(config_dir: Path, options: dict[str, Any] | None = None) -> None:
    """Give the Marketplace a config entry the user disabled (first run only).

    Home Assistant 2026.11 sets its Marketplace up by itself when it has no
    entry, and the Marketplace fetches its catalog from the internet; a
    disabled entry counts as the user's choice. The user enables it in
    Settings -> Devices & services. `options` are the entry's (its download
    source). Only for a Home Assistant that has it: 2026.10 would log an error
    about an unknown integration when its Devices & services page opens.
    """
    path = config_dir / ".storage" / "core.config_entries"
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC).isoformat()
    entry = {
        "created_at": now,
        "data": {},
        "discovery_keys": {},
        "disabled_by": "user",
        "domain": "marketplace",
        "entry_id": uuid.uuid4().hex,
        "minor_version": 1,
        "modified_at": now,
        "options": options or {},
        "pref_disable_new_entities": False,
        "pref_disable_polling": False,
        "source": "system",
        "subentries": [],
        "title": "",
        "unique_id": None,
        "version": 1,
    }
    store = {
        "version": 1,
        "minor_version": 5,
        "key": "core.config_entries",
        "data": {"entries": [entry]},
    }
    path.write_text(json.dumps(store, indent=2) + "\n", encoding="utf-8")


def prepare_config(config_dir: Path, port: int) -> None:
    """Create config_dir on the first run; leave an existing one as it is."""
    config_dir.mkdir(exist_ok=True)
    configuration = config_dir / "configuration.yaml"
    if not configuration.exists():
        configuration.write_text(configuration_yaml(port), encoding="utf-8")
    automations = config_dir / "automations.yaml"
    if not automations.exists():
        automations.write_text("[]\n", encoding="utf-8")
    link = config_dir / "custom_components" / "smartsense"
    if link.exists() and not link.is_symlink():
        print(f"scripts/develop: using the integration already in {link}")
    install_integration(config_dir, copy=False)
    seed_http(config_dir, port)
    seed_onboarding(config_dir)
    # The demo is about SmartSense: the Marketplace is one click away.
    if has_marketplace(Path(sys.executable)):
        seed_marketplace(config_dir)


def smartsense_configured(config_dir: Path) -> bool:
    """Whether config_dir already has a SmartSense entry (from an earlier run)."""
    try:
        store = json.loads(
            (config_dir / ".storage" / "core.config_entries").read_text("utf-8")
        )
    except OSError, ValueError:
        return False
    return any(
        entry.get("domain") == "smartsense"
        for entry in store.get("data", {}).get("entries", [])
    )
