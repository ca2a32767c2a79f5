"""Every JSON file of the repository means what it says: no key twice.

``json`` keeps the last of two equal keys without a word, so a second
``"issues"`` in translations/en.json once hid the first one's repair issue.
"""

from __future__ import annotations

import json
from pathlib import Path
import shutil
import subprocess
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    if twice := sorted({key for key in keys if keys.count(key) > 1}):
        raise ValueError(f"duplicate keys {twice}")
    return dict(pairs)


def _json_files() -> list[Path]:
    """The repository's JSON files: tracked, or new and not ignored."""
    git = shutil.which("git")
    assert git is not None, "git lists the repository's files"
    listed = subprocess.run(  # noqa: S603 - git, with fixed arguments
        [git, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [
        ROOT / name
        for name in sorted(set(listed.split("\0")))
        if name.endswith(".json") and (ROOT / name).is_file()
    ]


def test_no_json_file_has_a_key_twice() -> None:
    """Each JSON object of each file names each key once."""
    files = _json_files()
    assert ROOT / "custom_components/smartsense/translations/en.json" in files
    for path in files:
        try:
            json.loads(
                path.read_text(encoding="utf-8"), object_pairs_hook=_refuse_duplicates
            )
        except ValueError as err:
            raise AssertionError(f"{path.relative_to(ROOT)}: {err}") from None
