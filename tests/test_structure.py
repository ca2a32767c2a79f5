"""The integration's modules import each other in one direction only.

Every import counts, those under ``TYPE_CHECKING`` too: a cycle there is still
a circle a reader has to untangle.
"""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path
import re

PACKAGE = Path(__file__).resolve().parents[1] / "custom_components" / "smartsense"
PLATFORMS = {"sensor", "binary_sensor"}
# Modules Home Assistant loads by name; nothing of ours may import them.
TOP = {"__init__", "config_flow", "diagnostics", *PLATFORMS}


def _module(path: Path) -> str:
    relative = path.relative_to(PACKAGE).with_suffix("")
    parts = [part for part in relative.parts if part != "__init__"]
    return ".".join(parts) or "__init__"


def _imports() -> dict[str, set[str]]:
    """Each module of the package and the package modules it imports."""
    paths = list(PACKAGE.rglob("*.py"))
    modules = {_module(path) for path in paths}
    graph: dict[str, set[str]] = {}
    for path in paths:
        name = _module(path)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        imported: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom) or node.level == 0:
                continue
            base = [] if package in ("", "__init__") else package.split(".")
            base = base[: len(base) - (node.level - 1)]
            target = ".".join([*base, *filter(None, [node.module])])
            # "from . import contract" imports the module contract.
            submodules = {f"{target}.{alias.name}".strip(".") for alias in node.names}
            imported |= (submodules & modules) or {target or "__init__"}
        graph[name] = imported - {name}
    return graph


def test_no_import_cycles() -> None:
    """No module reaches itself through its imports."""
    graph = _imports()
    assert "backfill" in graph  # the walk found the package
    try:
        tuple(TopologicalSorter(graph).static_order())
    except CycleError as err:
        raise AssertionError(f"import cycle: {' -> '.join(err.args[1])}") from None


def test_lower_layers_do_not_import_platforms() -> None:
    """Platforms, the config flow and diagnostics sit on top: nothing imports them."""
    for module, imported in _imports().items():
        assert not imported & TOP, f"{module} imports {imported & TOP}"


def test_the_client_knows_nothing_of_home_assistant() -> None:
    """The API client imports only itself, the standard library and its libraries."""
    for path in (PACKAGE / "api").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom) and node.level == 0
                else []
            )
            for name in names:
                assert not name.startswith("homeassistant"), f"{path.name}: {name}"


def test_architecture_names_only_modules_that_exist() -> None:
    """docs/architecture.md stays true: every module it names is there."""
    text = (PACKAGE.parents[1] / "docs" / "architecture.md").read_text("utf-8")
    named = set(re.findall(r"`([\w/]+\.py)`", text)) - {"tests/test_structure.py"}
    assert len(named) > 10  # the walk found the names
    missing = sorted(name for name in named if not (PACKAGE / name).is_file())
    assert not missing, f"docs/architecture.md names missing modules: {missing}"
