"""The release: the zip HACS and the Marketplace install, and versions that agree.

scripts/release and the release workflow build the zip with scripts/packaging.py,
as these tests do. hacs.json is checked by the Marketplace's own rules, read
from Home Assistant 2026.11 in .venv-newest (the unit suite runs on 2026.10.4,
which has no Marketplace).
"""

from __future__ import annotations

import json
from pathlib import Path
import shutil
import subprocess
import zipfile

import pytest

from scripts.packaging import (
    ROOT,
    ZIP_NAME,
    ReleaseError,
    build_zip,
    changelog_entry,
    check,
    integration_dir,
    manifest_version,
)

NEWEST_PYTHON = ROOT / ".venv-newest" / "bin" / "python"
# Every key of hacs.json must be one the Marketplace reads, with a value it
# accepts: it ignores the others with no more than a warning in the log.
MARKETPLACE_CHECK = """
import json, sys
from homeassistant.components.marketplace.repositories.base import RepositoryManifest
from homeassistant.components.marketplace.utils.validate import REPOSITORY_MANIFEST_VALUES
hacs = json.load(sys.stdin)
problems = {}
for key, value in hacs.items():
    if key not in REPOSITORY_MANIFEST_VALUES:
        problems[key] = "unknown to the Marketplace"
        continue
    try:
        REPOSITORY_MANIFEST_VALUES[key](value)
    except Exception as err:
        problems[key] = str(err)
print(json.dumps({"problems": problems, "read": RepositoryManifest.from_dict(hacs).to_dict()}))
"""


def _tree_copy(tmp_path: Path) -> Path:
    """A checkout's integration, with what running it leaves behind added."""
    root = tmp_path / "checkout"
    folder = integration_dir(root)
    shutil.copytree(integration_dir(ROOT), folder)
    for cache in ("__pycache__/const.cpython-314.pyc", "api/__pycache__/x.pyc"):
        (folder / cache).parent.mkdir(exist_ok=True)
        (folder / cache).write_bytes(b"cache")
    (folder / "stray.pyc").write_bytes(b"cache")
    return root


def test_zip_holds_exactly_the_integration(tmp_path: Path) -> None:
    """The integration's files, byte for byte, at the top level; no caches."""
    root = _tree_copy(tmp_path)
    archive = build_zip(root, tmp_path / ZIP_NAME)
    source = integration_dir(ROOT)
    expected = {
        path.relative_to(source).as_posix(): path.read_bytes()
        for path in source.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    with zipfile.ZipFile(archive) as release:
        assert sorted(release.namelist()) == sorted(expected)
        assert {name: release.read(name) for name in expected} == expected
    # Extracted into custom_components/smartsense/, as HACS does.
    assert {"manifest.json", "__init__.py", "translations/en.json"} <= set(expected)
    assert not any(name.startswith("tests/") for name in expected)


def test_zip_is_the_same_wherever_it_is_built(tmp_path: Path) -> None:
    """Two builds of one tree give the same bytes (no file times in it)."""
    first = build_zip(ROOT, tmp_path / "first.zip")
    (tmp_path / "later").mkdir()
    later = build_zip(_tree_copy(tmp_path / "later"), tmp_path / "later.zip")
    assert first.read_bytes() == later.read_bytes()


def test_versions_agree() -> None:
    """manifest.json's version has a changelog entry; only its tag releases."""
    version = manifest_version(ROOT)
    assert check(ROOT, f"v{version}") == version
    assert changelog_entry(ROOT, version)
    with pytest.raises(ReleaseError, match=r"manifest\.json's version"):
        check(ROOT, "v99.0.0")
    with pytest.raises(ReleaseError, match=r"not vX\.Y\.Z"):
        check(ROOT, version)


def test_a_version_without_a_changelog_entry_is_refused(tmp_path: Path) -> None:
    """Bumping manifest.json alone is not a release."""
    root = _tree_copy(tmp_path)
    shutil.copy(ROOT / "hacs.json", root)
    shutil.copy(ROOT / "CHANGELOG.md", root)
    manifest = integration_dir(root) / "manifest.json"
    data = json.loads(manifest.read_text())
    data["version"] = "99.0.0"
    manifest.write_text(json.dumps(data))
    with pytest.raises(ReleaseError, match=r"no entry for 99\.0\.0"):
        check(root, "v99.0.0")


def test_hacs_json_passes_the_marketplace_validation() -> None:
    """Home Assistant 2026.11's Marketplace reads every key of hacs.json."""
    if not NEWEST_PYTHON.exists():
        pytest.fail(f"{NEWEST_PYTHON} is missing: run scripts/setup", pytrace=False)
    hacs = (ROOT / "hacs.json").read_text()
    answer = subprocess.run(  # noqa: S603 - our own venv's Python
        [NEWEST_PYTHON, "-c", MARKETPLACE_CHECK],
        input=hacs,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    result = json.loads(answer.stdout)
    assert result["problems"] == {}
    assert result["read"]["zip_release"] is True
    assert result["read"]["filename"] == ZIP_NAME
    assert result["read"]["homeassistant"] == json.loads(hacs)["homeassistant"]
