"""Run the simulator in real time: python -m simulator --port 8765."""

import argparse
import asyncio
import contextlib
from datetime import timedelta

from .config import Account, SimConfig
from .server import Simulator
from .variants import VARIANTS


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m simulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--client-id", default="demo")
    parser.add_argument("--client-secret", default="demo-secret")
    parser.add_argument("--sensor-points", type=int, default=24)
    parser.add_argument(
        "--locations",
        type=int,
        help="deal the assets over this many locations (default: 3 to 8 assets each)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--celsius", action="store_true", help="temperatures in °C")
    parser.add_argument("--interval-minutes", type=float, default=15)
    parser.add_argument("--token-lifetime", type=int, default=3600, help="seconds")
    parser.add_argument(
        "--variant",
        choices=sorted(VARIANTS),
        help="answer the data endpoints in a shape the contract does not expect",
    )
    return parser.parse_args()


async def _serve(args: argparse.Namespace) -> None:
    account = Account(
        client_id=args.client_id,
        client_secret=args.client_secret,
        temperature_unit="C" if args.celsius else "F",
        sensor_points=args.sensor_points,
        locations=args.locations,
        seed=args.seed,
    )
    sim = Simulator(
        SimConfig(
            accounts=[account],
            report_interval=timedelta(minutes=args.interval_minutes),
            token_lifetime=args.token_lifetime,
        )
    )
    sim.answer_as(args.variant)
    url = await sim.start(args.host, args.port)
    points = len(sim.sensor_point_ids(account.client_id))
    locations = len(sim.locations(account.client_id))
    print(
        f"SmartSense simulator at {url} ({points} sensor points, {locations} locations)"
    )
    print(f"client id: {account.client_id}  client secret: {account.client_secret}")
    print("Ctrl-C to stop", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await sim.stop()


def main() -> None:
    """Serve until Ctrl-C."""
    args = _parse_args()
    # asyncio.run cancels _serve on Ctrl-C (so the server is cleaned up) and re-raises.
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))
    print("stopped")


if __name__ == "__main__":
    main()
