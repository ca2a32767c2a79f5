"""Decoding SmartSense's data answers against the contract, forgivingly.

A malformed asset, sensor point or reading is skipped with a debug log and the
rest of the answer is kept; a malformed sensor or last reading loses only
itself. An answer whose shape differs from the contract (its envelope, or the
same part in every item) raises ``SmartSenseUnexpectedAnswerError``; any other
unusable answer ``SmartSenseResponseError``.
"""

from __future__ import annotations

import json
import logging
from operator import attrgetter
from typing import Any

import msgspec
from msgspec import Raw, inspect

from .contract import (
    ASSETS_PATH,
    READINGS_PATH,
    Asset,
    AssetPage,
    Page,
    Reading,
    Readings,
    SensorPoint,
)
from .errors import SmartSenseResponseError
from .shapes import declared, unexpected

_LOGGER = logging.getLogger(__name__)

_WHOLE_PAGE = msgspec.json.Decoder(Page[Asset])
_PAGE = msgspec.json.Decoder(Page[Raw])
_READINGS = msgspec.json.Decoder(Readings[Raw])
_ASSET = msgspec.json.Decoder(Asset)
_READING = msgspec.json.Decoder(Reading)
_PAGE_SHAPE = declared(Page[Asset])
_READINGS_SHAPE = declared(Readings[Reading])
_POINTS = next(
    field.encode_name
    for field in msgspec.structs.fields(Asset)
    if field.name == "sensor_points"
)
# The parts of a sensor point that, malformed, lose only themselves.
_NESTED = [
    field
    for field in msgspec.structs.fields(SensorPoint)
    if field.name in ("sensor", "last_reading")
]


def decode_asset_page(body: bytes) -> AssetPage:
    """Decode one page of ``GET /assets``.

    A page without a malformed asset is decoded in one call; any other page is
    decoded again, its envelope first and then each asset on its own.
    """
    try:
        page = _WHOLE_PAGE.decode(body)
    except msgspec.DecodeError, RecursionError:
        pass
    else:
        return AssetPage(
            assets=tuple(page.data),
            page=page.page,
            page_size=page.page_size,
            total_count=page.total_count,
            received=len(page.data),
        )
    envelope = _envelope(body, _PAGE, Page[Any], _PAGE_SHAPE, ASSETS_PATH)
    # Malformed parts: only an item's own, unless every item has them.
    _raise_if_unexpected(body, _PAGE_SHAPE, ASSETS_PATH)
    assets = [asset for item in envelope.data if (asset := _asset(item)) is not None]
    return AssetPage(
        assets=tuple(assets),
        page=envelope.page,
        page_size=envelope.page_size,
        total_count=envelope.total_count,
        received=len(envelope.data),
    )


def decode_readings(body: bytes) -> list[Reading]:
    """Decode ``GET /sensorpoints/{id}/readings``, ascending by timestamp."""
    envelope = _envelope(body, _READINGS, Readings[Any], _READINGS_SHAPE, READINGS_PATH)
    readings = [
        reading for item in envelope.data if (reading := _reading(item)) is not None
    ]
    if len(readings) < len(envelope.data):
        _raise_if_unexpected(body, _READINGS_SHAPE, READINGS_PATH)
    readings.sort(key=attrgetter("timestamp"))
    return readings


def _envelope[E](
    body: bytes,
    decoder: msgspec.json.Decoder[Any],
    lenient: type[E],
    shape: inspect.StructType,
    path: str,
) -> E:
    """The answer's envelope, its items left as raw JSON (or, rarely, values).

    Raises ``SmartSenseUnexpectedAnswerError`` when its shape differs from
    ``shape``, else ``SmartSenseResponseError`` for a broken answer.
    """
    try:
        envelope: E = decoder.decode(body)
    except msgspec.ValidationError as err:
        _raise_if_unexpected(body, shape, path)
        raise SmartSenseResponseError(f"GET {path}: {err}") from None
    except msgspec.DecodeError, RecursionError:
        pass
    else:
        return envelope
    # Not JSON to msgspec. Python's decoder also reads NaN and Infinity, which
    # JSON lacks: an item holding one is then skipped alone, as any other.
    try:
        value = json.loads(body)
    except ValueError, RecursionError:
        raise SmartSenseResponseError(f"GET {path}: malformed JSON") from None
    try:
        return msgspec.convert(value, lenient)
    except msgspec.ValidationError as err:
        _raise_if_unexpected(body, shape, path)
        raise SmartSenseResponseError(f"GET {path}: {err}") from None


def _raise_if_unexpected(body: bytes, shape: inspect.StructType, path: str) -> None:
    """Raise if the answer's shape differs, not just one of its items."""
    if (error := unexpected(body, shape, path)) is not None:
        raise error


def _asset(item: Any) -> Asset | None:
    if isinstance(item, Raw):
        try:
            return _ASSET.decode(item)
        except msgspec.DecodeError, RecursionError:
            pass
    # Read again piece by piece, so that a broken sensor point loses only itself.
    try:
        fields = _object(item)
        points = msgspec.convert(fields.get(_POINTS), list[Any] | None)
        asset = msgspec.convert({**fields, _POINTS: []}, Asset)
    except (msgspec.DecodeError, RecursionError) as err:
        _LOGGER.debug("Skipping malformed asset: %s", err)
        return None
    kept = (_sensor_point(point, asset.id) for point in points or ())
    return msgspec.structs.replace(
        asset, sensor_points=tuple(point for point in kept if point is not None)
    )


def _sensor_point(item: Any, asset_id: str) -> SensorPoint | None:
    try:
        return msgspec.convert(item, SensorPoint)
    except msgspec.ValidationError:
        pass
    try:
        fields = _object(item)
        point = msgspec.convert(
            {**fields, **{field.encode_name: None for field in _NESTED}}, SensorPoint
        )
    except msgspec.ValidationError as err:
        _LOGGER.debug("Skipping malformed sensor point of asset %s: %s", asset_id, err)
        return None
    nested: dict[str, Any] = {}
    for field in _NESTED:
        try:
            value = fields.get(field.encode_name)
            nested[field.name] = msgspec.convert(value, field.type)
        except msgspec.ValidationError as err:
            _LOGGER.debug(
                "Ignoring malformed %s of sensor point %s: %s",
                field.encode_name,
                point.id,
                err,
            )
    return msgspec.structs.replace(point, **nested)


def _object(item: Any) -> dict[str, Any]:
    """An item's JSON object, as Python values."""
    if isinstance(item, Raw):
        item = msgspec.json.decode(item)
    return msgspec.convert(item, dict[str, Any])


def _reading(item: Any) -> Reading | None:
    try:
        if isinstance(item, Raw):
            return _READING.decode(item)
        return msgspec.convert(item, Reading)
    except (msgspec.DecodeError, RecursionError) as err:
        _LOGGER.debug("Skipping malformed reading: %s", err)
        return None
