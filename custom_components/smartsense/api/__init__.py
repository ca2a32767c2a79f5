"""The SmartSense API (Digi International) client; it knows nothing of Home Assistant."""

from .client import (
    DEFAULT_BASE_URL as DEFAULT_BASE_URL,
    SmartSenseClient as SmartSenseClient,
)
from .contract import (
    Asset as Asset,
    AssetPage as AssetPage,
    Location as Location,
    Reading as Reading,
    ReadingType as ReadingType,
    SensorPoint as SensorPoint,
    Status as Status,
    Unit as Unit,
)
from .errors import (
    SmartSenseAccessRefusedError as SmartSenseAccessRefusedError,
    SmartSenseAuthError as SmartSenseAuthError,
    SmartSenseConnectionError as SmartSenseConnectionError,
    SmartSenseError as SmartSenseError,
    SmartSenseRateLimitError as SmartSenseRateLimitError,
    SmartSenseResponseError as SmartSenseResponseError,
    SmartSenseUnexpectedAnswerError as SmartSenseUnexpectedAnswerError,
)
from .listing import SmartSenseListingError as SmartSenseListingError
