"""The integration's requirements: pinned, and the same wherever it is tested."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
MANIFEST = ROOT / "custom_components/smartsense/manifest.json"


def _pins(path: Path) -> set[str]:
    """The requirement lines of a pip requirements file, comments dropped."""
    lines = (line.partition("#")[0].strip() for line in path.read_text().splitlines())
    return {line for line in lines if line}


@pytest.mark.parametrize(
    "requirements", ["requirements_test.txt", "requirements_newest.txt"]
)
def test_manifest_requirements_are_pinned_and_tested(requirements: str) -> None:
    """Home Assistant installs exactly what the tests ran with, on both versions."""
    wanted = json.loads(MANIFEST.read_text())["requirements"]
    assert wanted, "the manifest names msgspec at least"
    assert all("==" in requirement for requirement in wanted), wanted
    assert set(wanted) <= _pins(ROOT / requirements)
