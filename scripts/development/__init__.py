"""Run the SmartSense simulator and a real Home Assistant with the integration.

`scripts/develop` runs this package with the project's .venv. It

1. starts the simulator (`python -m simulator`, the demo account) on
   http://127.0.0.1:8765; extra arguments go to the simulator;
2. prepares `config/` on the first run: a `configuration.yaml` (bound to
   127.0.0.1, US units, debug logging for the integration), the integration
   linked in as `config/custom_components/smartsense`, onboarding marked
   done except for the owner account, which it then creates through Home
   Assistant's own onboarding API (user `dev`, password `dev`), and, from
   Home Assistant 2026.11 on, the Marketplace disabled (it would fetch its
   catalog from the internet; the user can enable it);
3. starts Home Assistant (`hass -c config`) on http://127.0.0.1:8123 and
   prints the URL, the login and what to enter in the SmartSense form.

Ctrl-C stops both. A second run reuses `config/` as it is (the owner, any
SmartSense entry, your edits to configuration.yaml).

Modules: ``ha_config`` (the configuration directory; the end-to-end tests in
tests/e2e/ build theirs with it too), ``onboarding`` (waiting for Home
Assistant and creating its owner over HTTP), ``processes`` (starting and
stopping the simulator and Home Assistant), ``__main__`` (the command).
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
HA_PORT = 8123
SIM_PORT = 8765
