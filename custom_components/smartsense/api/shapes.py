"""How an answer differs from the contract: field names and JSON types only.

The expected shape is read from the contract's msgspec declaration itself; the
answer is walked as plain JSON. A report names fields, JSON types and list
lengths, never a value: ids and names can be a customer's data.
"""

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
    if length and isinstance(value, list):
        return f"list of {len(value)}"
    return _TYPES.get(type(value), "null")


def _expected(kind: inspect.Type) -> set[str]:
    if isinstance(kind, inspect.UnionType):
        return set().union(*(_expected(member) for member in kind.types))
    return {_DECLARED[type(kind)]}


def _named(name: str, types: set[str] | str) -> str:
    shown = types if isinstance(types, str) else " or ".join(sorted(types - {"null"}))
    return f"`{name}` ({shown})"


@dataclass(slots=True)
class _Part:
    """One struct's place in the answer (such as ``data[]``), over its items."""

    kind: inspect.StructType
    items: int = 0
    # Per declared field: the JSON type of each item that has it wrong.
    wrong: dict[str, list[str]] = field(default_factory=dict)
    # Per undeclared key: the JSON type first seen.
    extra: dict[str, str] = field(default_factory=dict)

    def report(self, path: str) -> str | None:
        """What every item gets wrong here (see ``_SYSTEMATIC``), if anything."""
        names = sorted(
            name for name, got in self.wrong.items() if len(got) == self.items
        )
        if not names or (path and self.items < _SYSTEMATIC):
            return None
        declared = {each.encode_name: each.type for each in self.kind.fields}
        expected = ", ".join(_named(name, _expected(declared[name])) for name in names)
        firsts = [(name, self.wrong[name][0]) for name in names]
        got = [_named(name, first) for name, first in firsts if first != "missing"]
        shown = sorted(filter(_FIELD_NAME.fullmatch, self.extra))[:_SHOWN_KEYS]
        got += [_named(key, self.extra[key]) for key in shown]
        if others := len(self.extra) - len(shown):
            got.append(f"{others} other keys")
        where = f"in `{path}`, " if path else ""
        return f"{where}expected {expected}; got {', '.join(got) or 'neither'}"


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
    part = parts.setdefault(path, _Part(kind))
    part.items += 1
    names = {declared.encode_name for declared in kind.fields}
    for name in value.keys() - names:
        part.extra.setdefault(name, _json_type(value[name], length=not path))
    for declared in kind.fields:
        name = declared.encode_name
        got = _json_type(value[name], length=not path) if name in value else "missing"
        if got.split(" ")[0] in _expected(declared.type):
            _walk(value[name], declared.type, f"{path}.{name}".lstrip("."), parts)
        elif name in value or declared.required:
            part.wrong.setdefault(name, []).append(got)


def check_shape(answer: Any, kind: inspect.StructType, path: str) -> None:
    """Raise ``SmartSenseUnexpectedAnswerError`` if a 200 answer's shape differs."""
    if isinstance(answer, dict):
        parts: dict[str, _Part] = {}
        _walk(answer, kind, "", parts)
        reports = (part.report(place) for place, part in parts.items())
        report = "; ".join(filter(None, reports))
    else:
        fields = ", ".join(
            _named(f.encode_name, _expected(f.type)) for f in kind.fields if f.required
        )
        report = (
            f"expected an object with {fields}; got {_json_type(answer, length=True)}"
        )
    if report:
        raise SmartSenseUnexpectedAnswerError("GET", path, 200, report)
