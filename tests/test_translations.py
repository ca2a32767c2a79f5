"""Every text the code can show renders through Home Assistant's translations.

The keys come from reading the integration's source, so a key added later is
checked without touching this test: repair issues (``async_create_issue``),
exceptions (``translation_domain`` with ``translation_key``), and the config and
options flows' form steps, errors and abort reasons. Each must have a non-empty
English text, and the text may only use the placeholders the code passes.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from string import Formatter

from homeassistant.core import HomeAssistant
from homeassistant.helpers.translation import async_get_translations

from custom_components.smartsense.const import DOMAIN

PACKAGE = Path(__file__).resolve().parents[1] / "custom_components" / "smartsense"
# What each kind of key must have, under its section of en.json.
ISSUE = ("title", "description")
EXCEPTION = ("message",)
STEP = ("title", "description")
# A flow method that ends the flow without naming a reason: its default one.
DEFAULT_ABORTS = {
    "_abort_if_unique_id_configured": "already_configured",
    "_abort_if_unique_id_mismatch": "unique_id_mismatch",
}


@dataclass(frozen=True)
class Text:
    """One text the code can show, and the placeholders the code fills in it."""

    key: str  # under component.smartsense., e.g. "issues.access_refused.title"
    placeholders: frozenset[str]
    where: str


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    return node.attr if isinstance(node, ast.Attribute) else None


class _Module:
    """One source file, and the string constants of the whole package."""

    def __init__(self, path: Path, constants: dict[str, str]) -> None:
        self.path = path
        self.tree = ast.parse(path.read_text(encoding="utf-8"))
        self.constants = constants

    def string(self, node: ast.expr | None) -> str | None:
        """The string an expression always is: a literal or a module constant."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        name = None if node is None else _name(node)
        return None if name is None else self.constants.get(name)

    def placeholders(self, node: ast.expr | None) -> frozenset[str]:
        """The keys of a placeholder dict: a literal, or a variable filled anywhere."""
        if isinstance(node, ast.Dict):
            return frozenset(filter(None, map(self.string, filter(None, node.keys))))
        if not isinstance(node, ast.Name):
            return frozenset()
        keys: set[str] = set()
        for assign in ast.walk(self.tree):
            if not isinstance(assign, ast.Assign):
                continue
            for target in assign.targets:
                if isinstance(target, ast.Name) and target.id == node.id:
                    keys |= self.placeholders(assign.value)
                elif (
                    isinstance(target, ast.Subscript)
                    and _name(target.value) == node.id
                    and (key := self.string(target.slice))
                ):
                    keys.add(key)
        return frozenset(keys)

    def where(self, node: ast.AST) -> str:
        """File and line, for the failure message."""
        return f"{self.path.relative_to(PACKAGE)}:{getattr(node, 'lineno', '?')}"


def _constants(paths: list[Path]) -> dict[str, str]:
    """Every module-level NAME = "string" of the package."""
    constants: dict[str, str] = {}
    for path in paths:
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            target: ast.expr | None = None
            if isinstance(node, ast.AnnAssign):
                target = node.target
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target = node.targets[0]
            value = getattr(node, "value", None)
            if (
                isinstance(target, ast.Name)
                and isinstance(value, ast.Constant)
                and isinstance(value.value, str)
            ):
                constants[target.id] = value.value
    return constants


def _issues_and_exceptions(module: _Module) -> Iterator[Text]:
    for call in ast.walk(module.tree):
        if not isinstance(call, ast.Call):
            continue
        kwargs = {kw.arg: kw.value for kw in call.keywords if kw.arg}
        key = module.string(kwargs.get("translation_key"))
        placeholders = module.placeholders(kwargs.get("translation_placeholders"))
        if key and _name(call.func) == "async_create_issue":
            fields = [f"issues.{key}.{field}" for field in ISSUE]
        elif key and "translation_domain" in kwargs:
            fields = [f"exceptions.{key}.{field}" for field in EXCEPTION]
        else:
            continue
        yield from (Text(field, placeholders, module.where(call)) for field in fields)


def _flow_sections(module: _Module) -> dict[ast.stmt, set[str]]:
    """Each top-level definition, and the flows (config, options) it is part of.

    A flow class is part of its own flow; a module-level helper or table is part
    of each flow class that names it.
    """
    classes: dict[ast.ClassDef, str] = {}
    for node in module.tree.body:
        if isinstance(node, ast.ClassDef):
            bases = " ".join(filter(None, map(_name, node.bases)))
            if "OptionsFlow" in bases:
                classes[node] = "options"
            elif "ConfigFlow" in bases:
                classes[node] = "config"
    sections: dict[ast.stmt, set[str]] = {node: {s} for node, s in classes.items()}
    for node in module.tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names = {node.name}
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = {name for target in targets if (name := _name(target))}
        else:
            continue
        sections[node] = {
            section
            for flow, section in classes.items()
            if any(
                _name(used) in names
                for used in ast.walk(flow)
                if isinstance(used, ast.Name)
            )
        }
    return sections


def _returned_strings(module: _Module, function: str, index: int) -> Iterator[str]:
    """The strings a module-level function returns at one place of its tuple."""
    for node in module.tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == function:
            for returned in ast.walk(node):
                if (
                    isinstance(returned, ast.Return)
                    and isinstance(returned.value, ast.Tuple)
                    and (text := module.string(returned.value.elts[index]))
                ):
                    yield text


def _errors(module: _Module, unit: ast.AST) -> Iterator[tuple[str, ast.AST]]:
    """The form errors a definition sets: {"base": ...}, {field: "..."}, errors[...].

    A string-valued dict keyed by anything but a literal is read as errors by
    field or by exception type, as in _FORM_ERRORS.
    """
    for node in ast.walk(unit):
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "base":
                    # Any string of the value: "x", TABLE.get(kind, "x") ...
                    candidates = list(ast.walk(value))
                elif key is not None and not isinstance(key, ast.Constant):
                    candidates = [value]  # {field: "..."}, {ErrorType: "..."}
                else:
                    continue
                for candidate in candidates:
                    if isinstance(candidate, ast.expr) and (
                        error := module.string(candidate)
                    ):
                        yield error, node
        elif isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Subscript) and _name(target.value) == "errors"
            for target in node.targets
        ):
            if error := module.string(node.value):
                yield error, node
            elif isinstance(node.value, ast.Name):
                yield from ((e, node) for e in _unpacked(module, unit, node.value.id))


def _unpacked(module: _Module, unit: ast.AST, variable: str) -> Iterator[str]:
    """The strings a variable gets from ``a, variable = helper(...)``."""
    for assign in ast.walk(unit):
        if (
            isinstance(assign, ast.Assign)
            and isinstance(assign.value, ast.Call)
            and (helper := _name(assign.value.func))
            and isinstance(target := assign.targets[0], ast.Tuple)
        ):
            for index, element in enumerate(target.elts):
                if _name(element) == variable:
                    yield from _returned_strings(module, helper, index)


def _flow_texts(module: _Module) -> Iterator[Text]:
    sections = _flow_sections(module)
    # Errors show on the forms of their flow, with those forms' placeholders.
    form_placeholders: dict[str, frozenset[str]] = {}
    found: list[tuple[str, str, ast.AST, frozenset[str] | None]] = []
    for unit, flows in sections.items():
        for node in ast.walk(unit):
            if not isinstance(node, ast.Call) or not (method := _name(node.func)):
                continue
            kwargs = {kw.arg: kw.value for kw in node.keywords if kw.arg}
            if method == "async_show_form" and (
                step := module.string(kwargs.get("step_id"))
            ):
                placeholders = module.placeholders(
                    kwargs.get("description_placeholders")
                )
                for flow in flows:
                    form_placeholders[flow] = (
                        form_placeholders.get(flow, frozenset()) | placeholders
                    )
                    found.extend(
                        (flow, f"step.{step}.{field}", node, placeholders)
                        for field in STEP
                    )
            reason = module.string(kwargs.get("reason")) or DEFAULT_ABORTS.get(method)
            if method == "async_update_reload_and_abort" and not reason:
                function = _enclosing_function(unit, node)
                kind = "reconfigure" if "reconfigure" in function else "reauth"
                reason = f"{kind}_successful"
            if reason and (method.endswith("abort") or method in DEFAULT_ABORTS):
                found.extend(
                    (flow, f"abort.{reason}", node, frozenset()) for flow in flows
                )
        for error, node in _errors(module, unit):
            found.extend((flow, f"error.{error}", node, None) for flow in flows)
    for flow, key, node, own in found:
        passed = form_placeholders.get(flow, frozenset()) if own is None else own
        yield Text(
            f"{flow}.{key}",
            passed,
            module.where(node),
        )


def _enclosing_function(unit: ast.AST, target: ast.AST) -> str:
    for function in ast.walk(unit):
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef) and any(
            node is target for node in ast.walk(function)
        ):
            return function.name
    return ""


def texts_in_code() -> list[Text]:
    """Every text the integration's code can make Home Assistant show."""
    paths = sorted(PACKAGE.rglob("*.py"))
    constants = _constants(paths)
    found: list[Text] = []
    for path in paths:
        module = _Module(path, constants)
        found += _issues_and_exceptions(module)
        found += _flow_texts(module)
    return found


async def test_every_text_the_code_shows_renders(hass: HomeAssistant) -> None:
    """Each text exists, is not empty, and uses only placeholders the code passes."""
    texts = texts_in_code()
    kinds = {".".join(text.key.split(".")[:2]) for text in texts}
    # The scan finds every kind it looks for (else it could pass on nothing).
    assert {"config.abort", "config.error", "config.step"} <= kinds
    assert {"options.abort", "options.error", "options.step"} <= kinds
    assert {text.key.split(".")[0] for text in texts} >= {"issues", "exceptions"}
    loaded: dict[str, str] = {}
    for category in {text.key.split(".")[0] for text in texts}:
        loaded |= await async_get_translations(hass, "en", category, {DOMAIN})
    problems: list[str] = []
    for text in texts:
        rendered = loaded.get(f"component.{DOMAIN}.{text.key}", "")
        used = {name for _, name, _, _ in Formatter().parse(rendered) if name}
        if not rendered.strip():
            problems.append(f"{text.key} ({text.where}): no text")
        elif unfilled := used - text.placeholders:
            problems.append(f"{text.key} ({text.where}): {sorted(unfilled)} not passed")
    assert not problems, "\n".join(problems)
