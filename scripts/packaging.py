"""Build the release zip and check that a release's versions agree.

`scripts/release` and the release workflow (.github/workflows/release.yml) run
this module; tests/test_release.py checks what it builds. It needs the standard
library only and Python 3.11 or later, as on GitHub's runners.

    python3 -m scripts.packaging [--tag vX.Y.Z] [--dist DIR]

checks that manifest.json's version is the tag's (without a tag: whatever it
is), that CHANGELOG.md has an entry for it and that hacs.json names the zip,
then writes DIR/smartsense.zip and the entry as DIR/notes.md (DIR: dist/).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
import re
import zipfile

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = "smartsense"
ZIP_NAME = f"{DOMAIN}.zip"
# What Python writes next to the code at run time (in __pycache__/ or not);
# nothing else is left out.
CACHE_SUFFIXES = frozenset({".pyc", ".pyo"})
# Fixed member times and modes: the same tree gives the same zip, byte for byte.
MEMBER_TIME = (1980, 1, 1, 0, 0, 0)
MEMBER_MODE = 0o100644 << 16
TAG = re.compile(r"v(\d+\.\d+\.\d+)")
# A Keep a Changelog heading: "## [0.1.0] - 2026-12-06".
HEADING = re.compile(r"^## \[(?P<version>[^\]]+)\].*$", re.MULTILINE)


class ReleaseError(Exception):
    """Why this tree must not be released."""


def integration_dir(root: Path) -> Path:
    """The integration's folder in a checkout."""
    return root / "custom_components" / DOMAIN


def integration_files(folder: Path) -> list[str]:
    """The files a release ships, as paths relative to `folder`, sorted."""
    return sorted(
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*")
        if path.is_file() and path.suffix not in CACHE_SUFFIXES
    )


def build_zip(root: Path, destination: Path) -> Path:
    """Write the integration's files to `destination`, at the zip's top level.

    HACS and the Marketplace extract the zip into custom_components/smartsense/.
    """
    folder = integration_dir(root)
    with zipfile.ZipFile(destination, "w") as archive:
        for name in integration_files(folder):
            member = zipfile.ZipInfo(name, MEMBER_TIME)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = MEMBER_MODE
            archive.writestr(member, (folder / name).read_bytes())
    return destination


def manifest_version(root: Path) -> str:
    """The version in the integration's manifest.json."""
    manifest = json.loads((integration_dir(root) / "manifest.json").read_text("utf-8"))
    version: str = manifest["version"]
    return version


def changelog_entry(root: Path, version: str) -> str:
    """CHANGELOG.md's text for `version`, without its heading."""
    text = (root / "CHANGELOG.md").read_text("utf-8")
    headings = list(HEADING.finditer(text))
    for index, heading in enumerate(headings):
        if heading["version"] != version:
            continue
        end = headings[index + 1].start() if index + 1 < len(headings) else len(text)
        if entry := text[heading.end() : end].strip():
            return entry
        raise ReleaseError(f"CHANGELOG.md's entry for {version} is empty")
    raise ReleaseError(f"CHANGELOG.md has no entry for {version}")


def check(root: Path, tag: str | None = None) -> str:
    """The version to release, once tag, manifest, changelog and hacs.json agree."""
    version = manifest_version(root)
    if tag is not None:
        match = TAG.fullmatch(tag)
        if match is None:
            raise ReleaseError(f"tag {tag!r} is not vX.Y.Z")
        if match[1] != version:
            raise ReleaseError(f"tag {tag}, but manifest.json's version is {version}")
    hacs = json.loads((root / "hacs.json").read_text("utf-8"))
    if hacs.get("zip_release") is not True or hacs.get("filename") != ZIP_NAME:
        raise ReleaseError(
            f'hacs.json must say "zip_release": true, "filename": "{ZIP_NAME}"'
        )
    changelog_entry(root, version)
    return version


def main(argv: list[str] | None = None) -> int:
    """Check the tree (and the tag), then write the zip and the release notes."""
    parser = argparse.ArgumentParser(prog="scripts/release", description=__doc__)
    parser.add_argument("--tag", help="the release's tag, vX.Y.Z")
    parser.add_argument("--dist", type=Path, default=ROOT / "dist")
    args = parser.parse_args(argv)
    try:
        version = check(ROOT, args.tag)
    except ReleaseError as err:
        parser.exit(1, f"scripts/release: {err}\n")
    args.dist.mkdir(parents=True, exist_ok=True)
    archive = build_zip(ROOT, args.dist / ZIP_NAME)
    notes = args.dist / "notes.md"
    notes.write_text(changelog_entry(ROOT, version) + "\n", encoding="utf-8")
    print(f"SmartSense {version}: {archive} and {notes}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
