"""Decoding SmartSense's data answers against the contract, forgivingly.

An answer is decoded in one call unless something in it is malformed; then it
is decoded again, its envelope first and then each item on its own. A
malformed asset, sensor point or reading is skipped with a debug log and the
rest of the answer is kept; a malformed sensor or last reading loses only
itself. An answer whose shape differs from the contract (its envelope, or the
same part in every item) raises ``SmartSenseUnexpectedAnswerError``; any other
unusable answer ``SmartSenseResponseError``.
"""

import json
import logging
from operator import attrgetter
from typing import Any, cast

import msgspec
from msgspec import inspect

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
from .shapes import check_shape

_LOGGER = logging.getLogger(__name__)

_PAGE = msgspec.json.Decoder(Page[Asset])
_READINGS = msgspec.json.Decoder(Readings[Reading])
# Read at import: a test that freezes time replaces ``datetime``, which msgspec
# would then no longer recognise.
_PAGE_SHAPE = cast(inspect.StructType, inspect.type_info(Page[Asset]))
_READINGS_SHAPE = cast(inspect.StructType, inspect.type_info(Readings[Reading]))


def _field(kind: type[msgspec.Struct], name: str) -> msgspec.structs.FieldInfo:
    return next(field for field in msgspec.structs.fields(kind) if field.name == name)


_POINTS = _field(Asset, "sensor_points").encode_name
# The parts of a sensor point that, malformed, lose only themselves.
_NESTED = [_field(SensorPoint, "sensor"), _field(SensorPoint, "last_reading")]


def decode_asset_page(body: bytes) -> AssetPage:
    """Decode one page of ``GET /assets``."""
    try:
        page = _PAGE.decode(body)
        assets = page.data
    except msgspec.DecodeError, RecursionError:
        page = _lenient(body, Page[Any], _PAGE_SHAPE, ASSETS_PATH)
        assets = [asset for item in page.data if (asset := _asset(item)) is not None]
    return AssetPage(
        assets=tuple(assets),
        page=page.page,
        page_size=page.page_size,
        total_count=page.total_count,
        received=len(page.data),
    )


def decode_readings(body: bytes) -> list[Reading]:
    """Decode ``GET /sensorpoints/{id}/readings``, ascending by timestamp."""
    try:
        readings = _READINGS.decode(body).data
    except msgspec.DecodeError, RecursionError:
        answer = _lenient(body, Readings[Any], _READINGS_SHAPE, READINGS_PATH)
        readings = []
        for item in answer.data:
            try:
                readings.append(msgspec.convert(item, Reading))
            except msgspec.ValidationError as err:
                _LOGGER.debug("Skipping malformed reading: %s", err)
    readings.sort(key=attrgetter("timestamp"))
    return readings


def _lenient[E](
    body: bytes, envelope: type[E], shape: inspect.StructType, path: str
) -> E:
    # Python's decoder also reads NaN and Infinity, which JSON lacks: an item
    # holding one is then skipped alone, as any other.
    try:
        answer = json.loads(body)
    except ValueError, RecursionError:
        raise SmartSenseResponseError(f"GET {path}: malformed JSON") from None
    check_shape(answer, shape, path)
    try:
        return msgspec.convert(answer, envelope)
    except msgspec.ValidationError as err:
        raise SmartSenseResponseError(f"GET {path}: {err}") from None


def _asset(item: Any) -> Asset | None:
    try:
        fields = msgspec.convert(item, dict[str, Any])
        points = msgspec.convert(fields.get(_POINTS), list[Any] | None)
        asset = msgspec.convert({**fields, _POINTS: []}, Asset)
    except msgspec.ValidationError as err:
        _LOGGER.debug("Skipping malformed asset: %s", err)
        return None
    kept = (_sensor_point(point, asset.id) for point in points or ())
    return msgspec.structs.replace(
        asset, sensor_points=tuple(point for point in kept if point is not None)
    )


def _sensor_point(item: Any, asset_id: str) -> SensorPoint | None:
    try:
        fields = msgspec.convert(item, dict[str, Any])
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
