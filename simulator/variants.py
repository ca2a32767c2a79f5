"""Contract variants: plausible answers in shapes the modelled contract does not expect.

Each variant bends the simulator's own answers (it describes no shape of its
own): what a real SmartSense account might send instead. Our model already
uses a ``data`` envelope with ``page``/``pageSize``/``totalCount``, so the
envelope variant is ``items``/``paging``.
"""

from collections.abc import Callable
from datetime import datetime
import json
import re

from aiohttp import web

type Json = object

_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


def _walk(value: Json, key: Callable[[str], str], leaf: Callable[[Json], Json]) -> Json:
    if isinstance(value, dict):
        return {key(name): _walk(item, key, leaf) for name, item in value.items()}
    if isinstance(value, list):
        return [_walk(item, key, leaf) for item in value]
    return leaf(value)


def _same(value: Json) -> Json:
    return value


def _snake_case(body: Json) -> Json:
    return _walk(body, lambda name: _CAMEL.sub("_", name).lower(), _same)


def _items_paging(body: Json) -> Json:
    if not isinstance(body, dict) or "data" not in body:
        return body
    paging = {name: value for name, value in body.items() if name != "data"}
    return {"items": body["data"], "paging": paging} if paging else body


def _bare_list(body: Json) -> Json:
    return body["data"] if isinstance(body, dict) and "data" in body else body


def _epoch_ms(value: Json) -> Json:
    if isinstance(value, str) and value.endswith("Z") and value[:4].isdigit():
        return int(datetime.fromisoformat(value).timestamp() * 1000)
    return value


def _string_number(value: Json) -> Json:
    return str(value) if type(value) in (int, float) else value


# Variants that reshape the JSON answers of the data endpoints.
RESHAPE: dict[str, Callable[[Json], Json]] = {
    "snake_case": _snake_case,
    "items_paging": _items_paging,
    "bare_list": _bare_list,
    "epoch_ms": lambda body: _walk(body, str, _epoch_ms),
    "numbers_as_strings": lambda body: _walk(body, str, _string_number),
}
# Variants that answer something else than JSON.
HTML_200 = "html_200"
READINGS_MOVED = "readings_moved"
VARIANTS = frozenset(RESHAPE) | {HTML_200, READINGS_MOVED}


def answer(variant: str, readings: bool, body: bytes) -> web.Response:
    """What a variant answers instead of a data endpoint's JSON ``body``."""
    if variant == HTML_200:
        return web.Response(
            text="<html><body><h1>Welcome to SmartSense</h1></body></html>",
            content_type="text/html",
        )
    if variant == READINGS_MOVED:
        if readings:
            return web.Response(status=404, text="404: Not Found")
        return web.Response(body=body, content_type="application/json")
    return web.json_response(RESHAPE[variant](json.loads(body)))
