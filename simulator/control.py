"""HTTP control surface under /_sim/ (not SmartSense's API), mirroring Simulator."""

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .contract import DELETE, parse_iso

if TYPE_CHECKING:
    from .server import Simulator

type Body = dict[str, Any]
type Action = Callable[[Simulator, web.Request, Body], object]


async def _body(request: web.Request) -> Body:
    body = await request.json() if request.can_read_body else {}
    if not isinstance(body, dict):
        raise TypeError("the body must be a JSON object")
    return body


def _required(body: Body, key: str) -> Any:
    if key not in body:
        raise ValueError(f"missing {key!r}")
    return body[key]


def _optional_at(body: Body) -> datetime | None:
    return parse_iso(body["at"]) if body.get("at") is not None else None


def _patch(body: Body) -> dict[str, object]:
    """{"set": {field: value}, "delete": [field]} as keyword arguments of patch_*."""
    raw: dict[str, object] = dict(body.get("set", {}))
    raw.update(dict.fromkeys(body.get("delete", []), DELETE))
    return raw


def _endpoint(
    sim: Simulator, action: Action
) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handle(request: web.Request) -> web.Response:
        try:
            result = action(sim, request, await _body(request))
        except KeyError as err:
            return web.json_response({"error": str(err.args[0])}, status=404)
        except (TypeError, ValueError) as err:
            return web.json_response({"error": str(err)}, status=400)
        return web.json_response(result if result is not None else {"ok": True})

    return handle


def _add_fault(sim: Simulator, _request: web.Request, body: Body) -> None:
    sim.add_fault(
        _required(body, "path"),
        count=body.get("count", 1),
        status=body.get("status"),
        body=body.get("body"),
        retry_after=body.get("retry_after"),
        delay=body.get("delay"),
        kind=body.get("kind"),
        seconds=body.get("seconds"),
    )


def _set_token_lifetime(sim: Simulator, _request: web.Request, body: Body) -> None:
    sim.token_lifetime = int(_required(body, "seconds"))


_ROUTES: list[tuple[str, str, Action]] = [
    (
        "POST",
        "/advance",
        lambda sim, _r, b: sim.advance(float(_required(b, "seconds"))),
    ),
    ("POST", "/token_lifetime", _set_token_lifetime),
    ("POST", "/revoke", lambda sim, _r, _b: sim.revoke_tokens()),
    (
        "POST",
        "/refuse_data",
        lambda sim, _r, b: sim.refuse_data(
            b.get("client_id", "demo"), bool(b.get("refused", True))
        ),
    ),
    (
        "POST",
        "/rotate_secret",
        lambda sim, _r, b: sim.rotate_secret(
            _required(b, "client_id"), _required(b, "client_secret")
        ),
    ),
    ("POST", "/faults", _add_fault),
    ("DELETE", "/faults", lambda sim, _r, _b: sim.clear_faults()),
    (
        "POST",
        "/assets",
        lambda sim, _r, b: {
            "id": sim.add_asset(
                _required(b, "asset_type"),
                b.get("name"),
                client_id=b.get("client_id", "demo"),
                location=b.get("location"),
            )
        },
    ),
    ("DELETE", "/assets/{id}", lambda sim, r, _b: sim.remove_asset(r.match_info["id"])),
    (
        "PATCH",
        "/assets/{id}",
        lambda sim, r, b: sim.patch_asset(r.match_info["id"], **_patch(b)),
    ),
    (
        "POST",
        "/assets/{id}/sensorpoints",
        lambda sim, r, b: {
            "id": sim.add_sensor_point(
                r.match_info["id"],
                _required(b, "reading_type"),
                b.get("name"),
                b.get("unit"),
            )
        },
    ),
    (
        "DELETE",
        "/sensorpoints/{id}",
        lambda sim, r, _b: sim.remove_sensor_point(r.match_info["id"]),
    ),
    (
        "PATCH",
        "/sensorpoints/{id}",
        lambda sim, r, b: sim.patch_sensor_point(r.match_info["id"], **_patch(b)),
    ),
    (
        "POST",
        "/sensorpoints/{id}/reading",
        lambda sim, r, b: sim.push_reading(
            r.match_info["id"], float(_required(b, "value")), _optional_at(b)
        ),
    ),
    (
        "POST",
        "/sensorpoints/{id}/offline",
        lambda sim, r, b: sim.set_offline(
            r.match_info["id"], bool(b.get("offline", True))
        ),
    ),
    ("GET", "/requests", lambda sim, _r, _b: dict(sim.request_counts)),
    ("DELETE", "/requests", lambda sim, _r, _b: sim.reset_counts()),
    ("GET", "/state", lambda sim, _r, _b: sim.state()),
]


def add_control_routes(app: web.Application, sim: Simulator) -> None:
    """Serve the control actions under ``/_sim/``, each calling ``sim``."""
    for method, path, action in _ROUTES:
        app.router.add_route(method, f"/_sim{path}", _endpoint(sim, action))
