"""Which answers count as another shape, and which only as a bad value or item.

The API client's side of issue 23: an answer is "unexpected" only when its
shape differs (the envelope, or the same part of every item); a value out of
range or one bad item among good ones is not.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from custom_components.smartsense.api import (
    SmartSenseResponseError,
    SmartSenseUnexpectedAnswerError,
    decode,
)

READING = {"timestamp": "2026-01-01T00:00:00Z", "value": 1.5}
EPOCH = {"timestamp": 1767225600000, "value": 1.5}


def _page(**fields: Any) -> bytes:
    page = {"data": [], "page": 1, "pageSize": 10, "totalCount": 0, **fields}
    return json.dumps(page).encode()


@pytest.mark.parametrize(
    "body",
    [_page(page=-1), _page(page=-1, data=[float("nan")])],
    ids=["negative_page", "negative_page_and_nan"],
)
def test_a_bad_value_is_a_broken_answer_not_another_shape(body: bytes) -> None:
    """A value out of range is a broken answer: no shape report."""
    with pytest.raises(SmartSenseResponseError) as caught:
        decode.decode_asset_page(body)
    assert not isinstance(caught.value, SmartSenseUnexpectedAnswerError)


def test_one_bad_reading_of_several_is_skipped() -> None:
    """One reading in another shape is that reading's fault: it alone is skipped."""
    body = json.dumps({"data": [READING, EPOCH, READING]}).encode()
    assert len(decode.decode_readings(body)) == 2


def test_every_reading_in_another_shape_is_unexpected() -> None:
    """Every reading with an epoch timestamp: the shape differs, named as such."""
    body = json.dumps({"data": [EPOCH, EPOCH]}).encode()
    with pytest.raises(SmartSenseUnexpectedAnswerError) as caught:
        decode.decode_readings(body)
    err = caught.value
    assert (err.method, err.path, err.status) == (
        "GET",
        "/sensorpoints/{id}/readings",
        200,
    )
    assert err.report == (
        "in `data[]`, expected `timestamp` (string); got `timestamp` (number)"
    )


def test_missing_required_field_and_undeclared_keys() -> None:
    """A required field missing is named; undeclared field-like keys are listed."""
    body = json.dumps({"data": [], "page": 1, "pageSize": 10, "total": 0}).encode()
    with pytest.raises(SmartSenseUnexpectedAnswerError) as caught:
        decode.decode_asset_page(body)
    assert caught.value.report == "expected `totalCount` (number); got `total` (number)"
