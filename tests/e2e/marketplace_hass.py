"""Run `hass` with a loopback GitHub among the Marketplace's download profiles.

    .venv-newest/bin/python marketplace_hass.py PROFILE_JSON -c CONFIG ...

PROFILE_JSON is the download profile tests/e2e/github.py gives: its id and the
endpoints it serves (api, github, raw, catalog). Before hass starts, this
registers it among the profiles the user can pick as the Marketplace's
download source, and
points GitHub's device flow at the same server: aiogithubapi takes that host
from a constant, which no profile covers. Both are the end-to-end test's only
reach into the Marketplace; the rest is hass as it is.
"""

import json
import sys

# Neither is typed for mypy, which reads 2026.10.4 (no Marketplace) in .venv.
import aiogithubapi.device  # type: ignore[import-untyped]
from homeassistant.__main__ import main
from homeassistant.components.marketplace import profiles  # type: ignore[import-not-found]

if __name__ == "__main__":
    profile = profiles.DownloadProfile(
        operator="the end-to-end test's loopback GitHub",
        uses_github_account=True,
        **json.loads(sys.argv.pop(1)),
    )
    profiles.PROFILES[profile.id] = profile
    aiogithubapi.device.BASE_GITHUB_URL = profile.github[0]
    sys.exit(main())
