"""A client for the SmartSense API (Digi International), built on aiohttp alone.

Nothing in this package knows of Home Assistant.
"""

from .client import DEFAULT_BASE_URL, SmartSenseClient, parse_retry_after
from .errors import (
    SmartSenseAuthError,
    SmartSenseConnectionError,
    SmartSenseError,
    SmartSenseListingError,
    SmartSenseRateLimitError,
    SmartSenseResponseError,
)
from .models import (
    Asset,
    AssetPage,
    Location,
    Reading,
    ReadingType,
    Sensor,
    SensorPoint,
    Status,
    Unit,
)

__all__ = [
    "DEFAULT_BASE_URL",
    "Asset",
    "AssetPage",
    "Location",
    "Reading",
    "ReadingType",
    "Sensor",
    "SensorPoint",
    "SmartSenseAuthError",
    "SmartSenseClient",
    "SmartSenseConnectionError",
    "SmartSenseError",
    "SmartSenseListingError",
    "SmartSenseRateLimitError",
    "SmartSenseResponseError",
    "Status",
    "Unit",
    "parse_retry_after",
]
