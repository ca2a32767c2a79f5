"""A loopback GitHub that serves this checkout's releases to the Marketplace.

Home Assistant 2026.11's Marketplace reaches GitHub through a download profile
(homeassistant/components/marketplace/profiles.py): the REST API, a host for
release assets, one for raw files and the catalog. This server answers, for
one repository, what those serve: the repository, its releases with the zip
scripts/release builds as their asset, the tree, hacs.json, README.md and the
integration's files at each tag, and an empty catalog. It also approves
GitHub's device flow at once, which is how the Marketplace gets a GitHub
connection (needed to add a custom repository).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
import hashlib
import json
from pathlib import Path
import shutil
from typing import Any

from aiohttp import web

from scripts.packaging import (
    DOMAIN,
    ROOT,
    ZIP_NAME,
    build_zip,
    integration_dir,
    integration_files,
)

from .harness import HOST

PROFILE_ID = "loopback"
DEFAULT_BRANCH = "main"
REPOSITORY_ID = 880024
# The token "GitHub" hands out when the device flow is approved: loopback only.
TOKEN = "gho_loopback"
# Each catalog section holds nothing: the repository is a custom one.
CATALOG: dict[str, Any] = {
    "integration": {},
    "plugin": {},
    "template": {},
    "theme": {},
    "removed": [],
    "critical": [],
}


@dataclass(frozen=True)
class Release:
    """A tag of the repository: its files, its zip asset and its notes."""

    tag: str
    files: dict[str, bytes]
    archive: bytes
    notes: str
    published_at: str


def full_name() -> str:
    """owner/name of the repository, from manifest.json's documentation URL."""
    manifest = json.loads((integration_dir(ROOT) / "manifest.json").read_text())
    return str(manifest["documentation"]).removeprefix("https://github.com/")


def release_of_this_tree(
    workdir: Path, version: str, notes: str, published_at: str
) -> Release:
    """This checkout tagged v`version`, its manifest.json saying `version`."""
    root = workdir / version
    folder = integration_dir(root)
    shutil.copytree(integration_dir(ROOT), folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["version"] = version
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    files = {name: (ROOT / name).read_bytes() for name in ("hacs.json", "README.md")}
    files |= {
        f"custom_components/{DOMAIN}/{name}": (folder / name).read_bytes()
        for name in integration_files(folder)
    }
    archive = build_zip(root, workdir / f"{version}.zip").read_bytes()
    return Release(f"v{version}", files, archive, notes, published_at)


def _sha(text: str) -> str:
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


class LoopbackGitHub:
    """The server; `publish` tags a release, the newest is the default branch."""

    def __init__(self) -> None:
        """Serve nothing yet; `start` listens on a free loopback port."""
        self.repository = full_name()
        self.releases: list[Release] = []  # newest first
        self.requests: list[str] = []  # "GET /path 200", in order
        self.url = ""
        repo = self.repository
        app = web.Application(middlewares=[self._record])
        app.add_routes(
            [
                web.get(f"/api/repos/{repo}", self._repository),
                web.get(f"/api/repos/{repo}/releases", self._releases),
                web.get(f"/api/repos/{repo}/git/trees/{{ref:.+}}", self._tree),
                web.get(f"/api/repos/{repo}/contents/{{path:.+}}", self._contents),
                web.get(f"/api/repos/{repo}/branches/{{branch}}", self._branch),
                web.get("/api/rate_limit", self._rate_limit),
                web.post("/github/login/device/code", self._device_code),
                web.post("/github/login/oauth/access_token", self._access_token),
                web.get(
                    f"/github/{repo}/releases/download/{{tag}}/{ZIP_NAME}", self._asset
                ),
                web.get(f"/raw/{repo}/{{ref}}/{{path:.+}}", self._raw),
                web.get("/catalog/{section}/data.json", self._catalog),
            ]
        )
        self._runner = web.AppRunner(app)

    @property
    def profile(self) -> dict[str, str]:
        """The download profile: id and endpoints (see marketplace_hass.py)."""
        endpoints = ("api", "github", "raw", "catalog")
        return {"id": PROFILE_ID} | {name: f"{self.url}/{name}" for name in endpoints}

    @property
    def misses(self) -> list[str]:
        """The requests this server could not answer."""
        return [line for line in self.requests if not line.endswith(" 200")]

    def publish(self, release: Release) -> None:
        """Tag a release; it becomes the latest."""
        self.releases.insert(0, release)

    async def start(self) -> None:
        """Listen on 127.0.0.1."""
        await self._runner.setup()
        await web.TCPSite(self._runner, HOST, 0).start()
        self.url = f"http://{HOST}:{self._runner.addresses[0][1]}"

    async def stop(self) -> None:
        """Stop listening."""
        await self._runner.cleanup()

    @web.middleware
    async def _record(self, request: web.Request, handler: Any) -> web.StreamResponse:
        try:
            response: web.StreamResponse = await handler(request)
        except web.HTTPException as err:
            self.requests.append(f"{request.method} {request.path_qs} {err.status}")
            raise
        self.requests.append(f"{request.method} {request.path_qs} {response.status}")
        return response

    def _at(self, ref: str) -> Release:
        """The release a tag or the default branch points at."""
        ref = ref.removeprefix("tags/")
        if ref == DEFAULT_BRANCH and self.releases:
            return self.releases[0]
        for release in self.releases:
            if release.tag == ref:
                return release
        raise web.HTTPNotFound

    # -- the REST API --------------------------------------------------------

    async def _repository(self, _: web.Request) -> web.Response:
        owner, name = self.repository.split("/")
        return web.json_response(
            {
                "id": REPOSITORY_ID,
                "name": name,
                "full_name": self.repository,
                "owner": {"login": owner},
                "html_url": f"https://github.com/{self.repository}",
                "description": "SmartSense for Home Assistant",
                "default_branch": DEFAULT_BRANCH,
                "archived": False,
                "fork": False,
                "has_issues": True,
                "open_issues": 0,
                "open_issues_count": 0,
                "stargazers_count": 0,
                "topics": [],
                "pushed_at": self.releases[0].published_at,
            }
        )

    def _release_json(self, number: int, release: Release) -> dict[str, Any]:
        download = f"{self.url}/github/{self.repository}/releases/download"
        return {
            "id": number,
            "tag_name": release.tag,
            "name": release.tag,
            "body": release.notes,
            "draft": False,
            "prerelease": False,
            "created_at": release.published_at,
            "published_at": release.published_at,
            "assets": [
                {
                    "id": number,
                    "name": ZIP_NAME,
                    "content_type": "application/zip",
                    "size": len(release.archive),
                    "download_count": 0,
                    "browser_download_url": f"{download}/{release.tag}/{ZIP_NAME}",
                }
            ],
        }

    async def _releases(self, _: web.Request) -> web.Response:
        count = len(self.releases)
        return web.json_response(
            [self._release_json(count - i, r) for i, r in enumerate(self.releases)]
        )

    async def _tree(self, request: web.Request) -> web.Response:
        release = self._at(request.match_info["ref"])
        entries: dict[str, str] = {}
        for path in sorted(release.files):
            parts = path.split("/")
            for depth in range(1, len(parts)):
                entries.setdefault("/".join(parts[:depth]), "tree")
            entries[path] = "blob"
        tree = [
            {"path": path, "type": kind, "sha": _sha(path)}
            for path, kind in entries.items()
        ]
        return web.json_response(
            {"sha": _sha(release.tag), "tree": tree, "truncated": False}
        )

    async def _contents(self, request: web.Request) -> web.Response:
        release = self._at(request.query.get("ref", DEFAULT_BRANCH))
        path = request.match_info["path"]
        if (content := release.files.get(path)) is None:
            raise web.HTTPNotFound
        return web.json_response(
            {
                "type": "file",
                "encoding": "base64",
                "name": path.rpartition("/")[2],
                "path": path,
                "size": len(content),
                "sha": _sha(path),
                "content": base64.b64encode(content).decode(),
            }
        )

    async def _branch(self, request: web.Request) -> web.Response:
        if request.match_info["branch"] != DEFAULT_BRANCH:
            raise web.HTTPNotFound
        sha = _sha(self._at(DEFAULT_BRANCH).tag)
        return web.json_response({"name": DEFAULT_BRANCH, "commit": {"sha": sha}})

    async def _rate_limit(self, _: web.Request) -> web.Response:
        core = {"limit": 5000, "used": 0, "remaining": 5000, "reset": 0}
        return web.json_response({"rate": core, "resources": {"core": core}})

    # -- the device flow: approved as soon as it starts -----------------------

    async def _device_code(self, _: web.Request) -> web.Response:
        return web.json_response(
            {
                "device_code": "loopback-device",
                "user_code": "LOOP-BACK",
                "verification_uri": f"{self.url}/github/login/device",
                "expires_in": 900,
                "interval": 1,
            }
        )

    async def _access_token(self, _: web.Request) -> web.Response:
        return web.json_response(
            {"access_token": TOKEN, "token_type": "bearer", "scope": ""}
        )

    # -- downloads: release assets, raw files, the catalog --------------------

    async def _asset(self, request: web.Request) -> web.Response:
        archive = self._at(request.match_info["tag"]).archive
        return web.Response(body=archive, content_type="application/octet-stream")

    async def _raw(self, request: web.Request) -> web.Response:
        release = self._at(request.match_info["ref"])
        if (content := release.files.get(request.match_info["path"])) is None:
            raise web.HTTPNotFound
        return web.Response(body=content, content_type="text/plain")

    async def _catalog(self, request: web.Request) -> web.Response:
        if (section := request.match_info["section"]) not in CATALOG:
            raise web.HTTPNotFound
        return web.json_response(CATALOG[section])
