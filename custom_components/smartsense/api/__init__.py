"""A client for the SmartSense API (Digi International), built on aiohttp and msgspec.

Nothing in this package knows of Home Assistant.
"""

from .client import DEFAULT_BASE_URL, SmartSenseClient
from .contract import (
    Asset,
    AssetPage,
    Location,
    Reading,
    ReadingType,
    SensorPoint,
    Status,
    Unit,
)
from .errors import (
    SmartSenseAccessRefusedError,
    SmartSenseAuthError,
    SmartSenseConnectionError,
    SmartSenseError,
    SmartSenseRateLimitError,
    SmartSenseResponseError,
    SmartSenseUnexpectedAnswerError,
)
from .listing import SmartSenseListingError

__all__ = [
    "DEFAULT_BASE_URL",
    "Asset",
    "AssetPage",
    "Location",
    "Reading",
    "ReadingType",
    "SensorPoint",
    "SmartSenseAccessRefusedError",
    "SmartSenseAuthError",
    "SmartSenseClient",
    "SmartSenseConnectionError",
    "SmartSenseError",
    "SmartSenseListingError",
    "SmartSenseRateLimitError",
    "SmartSenseResponseError",
    "SmartSenseUnexpectedAnswerError",
    "Status",
    "Unit",
]
