"""Constants of the SmartSense integration."""

from datetime import timedelta
import logging
from typing import Final

DOMAIN: Final = "smartsense"
LOGGER = logging.getLogger(__package__)

CONF_SCAN_INTERVAL_MINUTES: Final = "scan_interval_minutes"
DEFAULT_SCAN_INTERVAL_MINUTES: Final = 15
MIN_SCAN_INTERVAL_MINUTES: Final = 5
MAX_SCAN_INTERVAL_MINUTES: Final = 60

# SmartSense devices report every 15 minutes unless configured otherwise; a
# sensor point's own interval is learned from the readings it delivers.
DEFAULT_REPORT_INTERVAL: Final = timedelta(minutes=15)
# A reading older than this many report intervals is not shown as current.
STALE_INTERVALS: Final = 3

WEB_APP_URL: Final = "https://app.smartsense.co"

# Dispatcher signal, formatted with the entry id, sent when a backfill run ends.
SIGNAL_BACKFILL: Final = f"{DOMAIN}_backfill_{{}}"
