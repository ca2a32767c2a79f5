"""Constants of the SmartSense integration."""

import logging
from typing import Final

DOMAIN: Final = "smartsense"
LOGGER = logging.getLogger(__package__)
WEB_APP_URL: Final = "https://app.smartsense.co"
