"""Constants of the SmartSense integration."""

from datetime import timedelta
import logging
from typing import Final

DOMAIN: Final = "smartsense"
LOGGER = logging.getLogger(__package__)

# SmartSense devices report every 15 minutes unless configured otherwise; a
# sensor point's own interval is learned from the readings it delivers.
DEFAULT_REPORT_INTERVAL: Final = timedelta(minutes=15)
# SmartSense is polled as often as its devices report by default. Home
# Assistant's rule: users who want other timing disable polling for the entry
# and call homeassistant.update_entity themselves.
UPDATE_INTERVAL: Final = DEFAULT_REPORT_INTERVAL
# A reading older than this many report intervals is not shown as current.
STALE_INTERVALS: Final = 3

# Data refused this long (with tokens still issued) raises a repair issue.
ACCESS_REFUSED_REPAIR_AFTER: Final = timedelta(days=1)

WEB_APP_URL: Final = "https://app.smartsense.co"
