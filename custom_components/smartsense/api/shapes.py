"""How an answer differs from the contract: field names and JSON types only.

The expected shape is read from the contract's msgspec declaration itself; the
answer is walked as plain JSON. A report names fields, JSON types and list
lengths, never a value: ids and names can be a customer's data.
"""

from collections import Counter
from dataclasses import dataclass, field
import re
from typing import Any

from msgspec import inspect

from .errors import SmartSenseUnexpectedAnswerError

# Keys of the answer that the contract does not declare are named only when
# they look like field names (letters and underscores): a key made of an id or
# a name is counted, not shown.
_FIELD_NAME = re.compile(r"[A-Za-z_]{1,40}")
_SHOWN_KEYS = 10
# A part wrong in one item of several is that item's fault (it is skipped); the
# same part wrong in every item that has it, and more than one, is the shape.
_SYSTEMATIC = 2

# The Python types ``json.loads`` gives, by JSON type; anything else is null.
_TYPES = {
    dict: "object",
    list: "list",
    str: "string",
    bool: "boolean",
    int: "number",
    float: "number",
}
_DECLARED = {
    inspect.StructType: "object",
    inspect.DictType: "object",
    inspect.ListType: "list",
    inspect.VarTupleType: "list",
    inspect.StrType: "string",
    inspect.DateTimeType: "string",
    inspect.IntType: "number",
    inspect.FloatType: "number",
    inspect.BoolType: "boolean",
    inspect.NoneType: "null",
}


def _json_type(value: Any, *, length: bool = False) -> str:
    """The JSON type of a decoded value ("list of 3" with ``length``)."""
    if length and isinstance(value, list):
        return f"list of {len(value)}"
    return _TYPES.get(type(value), "null")


def _expected(kind: inspect.Type) -> set[str]:
    """The JSON types a declared type accepts."""
    if isinstance(kind, inspect.UnionType):
        return set().union(*(_expected(member) for member in kind.types))
    return {_DECLARED[type(kind)]}


def _named(name: str, types: set[str] | str) -> str:
    shown = types if isinstance(types, str) else " or ".join(sorted(types - {"null"}))
    return f"`{name}` ({shown})"


@dataclass(slots=True)
class _Part:
    """One field path across the items of an answer."""

    present: int = 0
    # Per field: how often it was wrong, the JSON type got, the types expected.
    wrong: Counter[str] = field(default_factory=Counter)
    got: dict[str, str] = field(default_factory=dict)
    expected: dict[str, set[str]] = field(default_factory=dict)
    extra: dict[str, str] = field(default_factory=dict)

    def mismatch(self, name: str, got: str, expected: set[str]) -> None:
        self.wrong[name] += 1
        self.got.setdefault(name, got)
        self.expected[name] = expected


def _walk(
    value: Any, kind: inspect.Type | None, path: str, parts: dict[str, _Part]
) -> None:
    """Compare a decoded value with a declared type, counting in ``parts`` per path."""
    if isinstance(kind, inspect.UnionType):
        got = _json_type(value)
        kind = next((member for member in kind.types if got in _expected(member)), None)
    if isinstance(kind, inspect.ListType | inspect.VarTupleType) and isinstance(
        value, list
    ):
        for item in value:
            _walk(item, kind.item_type, f"{path}[]", parts)
    if not isinstance(kind, inspect.StructType) or not isinstance(value, dict):
        return
    part = parts.setdefault(path, _Part())
    part.present += 1
    names = {declared.encode_name for declared in kind.fields}
    for name in value.keys() - names:
        part.extra.setdefault(name, _json_type(value[name], length=not path))
    for declared in kind.fields:
        name, expected = declared.encode_name, _expected(declared.type)
        if name not in value:
            if declared.required:
                part.mismatch(name, "missing", expected)
            continue
        got = _json_type(value[name], length=not path)
        if got.split(" ")[0] not in expected:
            part.mismatch(name, got, expected)
        else:
            _walk(value[name], declared.type, f"{path}.{name}".lstrip("."), parts)


def _extra(keys: dict[str, str]) -> list[str]:
    """The undeclared keys, those that look like field names, and how many others."""
    shown = sorted(name for name in keys if _FIELD_NAME.fullmatch(name))
    others = len(keys) - len(shown[:_SHOWN_KEYS])
    named = [_named(name, keys[name]) for name in shown[:_SHOWN_KEYS]]
    return named + ([f"{others} other keys"] if others else [])


def _differences(answer: Any, kind: inspect.StructType) -> str | None:
    """What, in the shape of ``answer``, the declared struct does not accept.

    Only what every item that has the part gets wrong is reported (see
    ``_SYSTEMATIC``); ``None`` when the shape matches.
    """
    if not isinstance(answer, dict):
        fields = ", ".join(
            _named(f.encode_name, _expected(f.type)) for f in kind.fields if f.required
        )
        return (
            f"expected an object with {fields}; got {_json_type(answer, length=True)}"
        )
    parts: dict[str, _Part] = {}
    _walk(answer, kind, "", parts)
    reports = []
    for path, part in parts.items():
        if path and part.present < _SYSTEMATIC:
            continue
        names = sorted(name for name, n in part.wrong.items() if n == part.present)
        if not names:
            continue
        expected = ", ".join(_named(name, part.expected[name]) for name in names)
        got = [
            _named(name, part.got[name])
            for name in names
            if part.got[name] != "missing"
        ]
        got += _extra(part.extra)
        where = f"in `{path}`, " if path else ""
        reports.append(f"{where}expected {expected}; got {', '.join(got) or 'neither'}")
    return "; ".join(reports) or None


def check_shape(answer: Any, kind: inspect.StructType, path: str) -> None:
    """Raise ``SmartSenseUnexpectedAnswerError`` if a 200 answer's shape differs."""
    if (report := _differences(answer, kind)) is not None:
        raise SmartSenseUnexpectedAnswerError("GET", path, 200, report)
