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
    """One source file, and the constants and functions of the whole package."""

    def __init__(self, path: Path, package: _Package) -> None:
        self.path = path
        self.tree = ast.parse(path.read_text(encoding="utf-8"))
        self.package = package

    def string(self, node: ast.expr | None) -> str | None:
        """The string an expression always is: a literal or a module constant."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        name = None if node is None else _name(node)
        return None if name is None else self.package.constants.get(name)

    def placeholders(self, node: ast.expr | None) -> frozenset[str]:
        """The keys of a placeholder dict.

        A literal, a variable assigned or filled anywhere in the module, or the
        dict a function of the package returns.
        """
        if isinstance(node, ast.Dict):
            return frozenset(filter(None, map(self.string, filter(None, node.keys))))
        if isinstance(node, ast.Call) and (function := _name(node.func)):
            # A dict literal the function returns, or assigns to the variable it
            # returns, as unexpected.report.
            body = list(ast.walk(self.package.functions.get(function) or ast.Module()))
            returns = [node.value for node in body if isinstance(node, ast.Return)]
            returned = {_name(value) for value in returns if value is not None}
            values = returns + [
                node.value
                for node in body
                if isinstance(node, ast.Assign)
                and {_name(target) for target in node.targets} & returned
            ]
            return frozenset().union(
                *(
                    self.placeholders(value)
                    for value in values
                    if isinstance(value, ast.Dict)
                )
            )
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

    def flow_placeholders(self) -> frozenset[str]:
        """Every placeholder a flow module can pass to its forms.

        A flow builds its forms' placeholders in more ways than a scan follows
        (helpers, dataclasses): its texts may use any key of a dict literal or
        a dict-returning package function in the module, or one it fills in.
        """
        keys: set[str] = set()
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Dict | ast.Call):
                keys |= self.placeholders(node)
            elif (
                isinstance(node, ast.Subscript)
                and isinstance(node.ctx, ast.Store)
                and (key := self.string(node.slice))
            ):
                keys.add(key)
        return frozenset(keys)

    def where(self, node: ast.AST) -> str:
        """File and line, for the failure message."""
        return f"{self.path.relative_to(PACKAGE)}:{getattr(node, 'lineno', '?')}"


@dataclass
class _Package:
    """The module-level string constants and functions of the package, by name."""

    constants: dict[str, str]
    functions: dict[str, ast.FunctionDef]


def _package(paths: list[Path]) -> _Package:
    """Every module-level NAME = "string" and function of the package."""
    package = _Package({}, {})
    for path in paths:
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef):
                package.functions[node.name] = node
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
                package.constants[target.id] = value.value
    return package


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
    of each flow whose class names it, directly or through other helpers.
    """
    sections: dict[ast.stmt, set[str]] = {}
    defines: dict[ast.stmt, set[str]] = {}
    for node in module.tree.body:
        if isinstance(node, ast.ClassDef):
            bases = " ".join(filter(None, map(_name, node.bases)))
            flow = "options" if "OptionsFlow" in bases else "config"
            if "Flow" in bases:
                sections[node] = {flow}
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            defines[node] = {node.name}
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            defines[node] = {name for target in targets if (name := _name(target))}
    used = {
        node: {name.id for name in ast.walk(node) if isinstance(name, ast.Name)}
        for node in [*sections, *defines]
    }
    for node in defines:
        sections[node] = set()
    changed = True
    while changed:  # until every helper has the flows of all that use it
        changed = False
        for node, names in defines.items():
            flows = set().union(
                *(sections[user] for user in sections if names & used[user])
            )
            if not flows <= sections[node]:
                sections[node] |= flows
                changed = True
    return sections


def _returned_strings(module: _Module, function: str, index: int) -> Iterator[str]:
    """The strings a package function returns at one place of its tuple.

    A dict there is read as errors by field: its values.
    """
    for returned in ast.walk(module.package.functions.get(function) or ast.Module()):
        if isinstance(returned, ast.Return) and isinstance(returned.value, ast.Tuple):
            element = returned.value.elts[index]
            values = element.values if isinstance(element, ast.Dict) else [element]
            yield from filter(None, map(module.string, values))


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
        elif (
            isinstance(node, ast.Assign)
            and isinstance(node.targets[0], ast.Tuple)
            and any(_name(name) == "errors" for name in node.targets[0].elts)
        ):
            yield from ((e, node) for e in _unpacked(module, node, "errors"))


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
    passed = module.flow_placeholders()
    for unit, flows in _flow_sections(module).items():
        keys: list[tuple[str, ast.AST]] = []
        for node in ast.walk(unit):
            if not isinstance(node, ast.Call) or not (method := _name(node.func)):
                continue
            kwargs = {kw.arg: kw.value for kw in node.keywords if kw.arg}
            function = _enclosing_function(unit, node)
            if method == "async_show_form":
                for step in _values(module, function, kwargs.get("step_id")):
                    keys += [(f"step.{step}.{field}", node) for field in STEP]
            reason = module.string(kwargs.get("reason")) or DEFAULT_ABORTS.get(method)
            if method == "async_update_reload_and_abort" and not reason:
                name = "" if function is None else function.name
                reason = (
                    f"{'reconfigure' if 'reconfigure' in name else 'reauth'}_successful"
                )
            if reason and (method.endswith("abort") or method in DEFAULT_ABORTS):
                keys.append((f"abort.{reason}", node))
        keys += [(f"error.{error}", node) for error, node in _errors(module, unit)]
        for flow in flows:
            yield from (
                Text(f"{flow}.{key}", passed, module.where(node)) for key, node in keys
            )


def _values(
    module: _Module,
    function: ast.FunctionDef | ast.AsyncFunctionDef | None,
    node: ast.expr | None,
) -> Iterator[str]:
    """The strings an argument is: itself, or what callers pass for a parameter.

    ``step_id=step_id`` in ``def _form(self, step_id, ...)`` is each string a
    call ``self._form("user", ...)`` of the module passes.
    """
    if text := module.string(node):
        yield text
        return
    if function is None or not isinstance(node, ast.Name):
        return
    parameters = [arg.arg for arg in function.args.args if arg.arg != "self"]
    if node.id not in parameters:
        return
    index = parameters.index(node.id)
    for call in ast.walk(module.tree):
        if isinstance(call, ast.Call) and _name(call.func) == function.name:
            given = [kw.value for kw in call.keywords if kw.arg == node.id]
            if index < len(call.args):
                given.append(call.args[index])
            yield from filter(None, map(module.string, given))


def _enclosing_function(
    unit: ast.AST, target: ast.AST
) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    for function in ast.walk(unit):
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef) and any(
            node is target for node in ast.walk(function)
        ):
            return function
    return None


def texts_in_code() -> list[Text]:
    """Every text the integration's code can make Home Assistant show."""
    paths = sorted(PACKAGE.rglob("*.py"))
    package = _package(paths)
    found: list[Text] = []
    for path in paths:
        module = _Module(path, package)
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
