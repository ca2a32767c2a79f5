"""``scripts/bench``: run every size in fresh workers, print and keep the figures."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
from pathlib import Path
import subprocess
import sys
import tempfile
import time
from typing import Any
from unittest.mock import patch

from homeassistant.helpers import entity_platform

# Imported up front, so that no size pays for the first import in its setup.
from custom_components.smartsense import binary_sensor, sensor  # noqa: F401

from . import __doc__ as overview
from .harness import POLL_SECONDS, ROOT, SimulatorProcess, Warnings
from .in_home_assistant import measure_setup
from .polls import measure_polls
from .probe import LoopProbe
from .report import census_table, label, machine, table, targets

DEFAULT_SIZES = (10, 1_000, 10_000)
DAY_POLLS = 24 * 3600 // POLL_SECONDS  # 96
HA_POLLS = 5


async def _worker(
    sensor_points: int, phase: str, polls: int, ha_polls: int, *, with_census: bool
) -> dict[str, Any]:
    warnings = Warnings()
    logging.getLogger().addHandler(warnings)
    probe = LoopProbe()
    sim = SimulatorProcess(sensor_points)
    sim.start()
    result: dict[str, Any] = {"sensor_points": sensor_points}
    try:
        with tempfile.TemporaryDirectory() as config_dir, probe.installed():
            if phase == "setup":
                result.update(
                    await measure_setup(
                        sim, probe, config_dir, ha_polls, with_census=with_census
                    )
                )
            else:
                result.update(await measure_polls(sim, probe, config_dir, polls))
    finally:
        await sim.close()
        sim.stop()
    result["warnings"] = warnings.messages[:10]
    return result


def _worker_main(args: argparse.Namespace) -> None:
    cap = (
        patch.object(entity_platform, "MAX_ENABLED_ENTITIES_PER_CONFIG_ENTRY", 10**9)
        if args.uncapped
        else contextlib.nullcontext()
    )
    with cap:
        result = asyncio.run(
            _worker(
                args.worker,
                args.phase,
                args.polls,
                args.ha_polls,
                with_census=args.census,
            )
        )
    result["uncapped"] = args.uncapped
    Path(args.out).write_text(json.dumps(result, indent=2))


def _run_worker(
    size: int,
    phase: str,
    polls: int,
    ha_polls: int,
    *,
    uncapped: bool = False,
    with_census: bool = False,
) -> dict[str, Any]:
    """One phase for one size, in a fresh process: no run inherits another's heap."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        command = [
            sys.executable,
            "-m",
            "scripts.benchmark",
            "--worker",
            str(size),
            "--phase",
            phase,
            "--out",
            str(out),
            "--polls",
            str(polls),
            "--ha-polls",
            str(ha_polls),
        ]
        if uncapped:
            command.append("--uncapped")
        if with_census:
            command.append("--census")
        started = time.perf_counter()
        done = subprocess.run(  # noqa: S603
            command, cwd=ROOT, capture_output=True, text=True, check=False
        )
        if done.returncode:
            sys.stderr.write(done.stderr[-4000:])
            raise SystemExit(f"bench: the worker for {size} sensor points failed")
        result: dict[str, Any] = json.loads(out.read_text())
        result["worker_seconds"] = round(time.perf_counter() - started, 1)
        return result


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part.replace("_", "")) for part in text.split(",") if part]
    except ValueError:
        raise argparse.ArgumentTypeError("sizes are whole numbers") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("give at least one size of 1 or more")
    return sizes


def _arguments() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scripts/bench", description=(overview or "").split("\n\n")[0]
    )
    parser.add_argument(
        "--sizes",
        type=_sizes,
        default=list(DEFAULT_SIZES),
        help="sensor points per account, comma-separated (default: 10,1000,10000)",
    )
    parser.add_argument("--json", type=Path, help="also write every figure here")
    parser.add_argument(
        "--polls",
        type=int,
        default=DAY_POLLS,
        help=f"polls of the coordinator alone, 15 min apart (default {DAY_POLLS})",
    )
    parser.add_argument(
        "--ha-polls",
        type=int,
        default=HA_POLLS,
        help=f"polls with every entity in Home Assistant (default {HA_POLLS})",
    )
    parser.add_argument(
        "--no-uncapped",
        action="store_true",
        help="skip the runs with Home Assistant's entity cap lifted",
    )
    parser.add_argument(
        "--census",
        action="store_true",
        help="after setup, count the tracked objects by owner and type (slow)",
    )
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--phase", choices=("setup", "update"), help=argparse.SUPPRESS)
    parser.add_argument("--uncapped", action="store_true", help=argparse.SUPPRESS)
    return parser


def _runs(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Every size, in fresh workers; with the entity cap lifted where it bit."""
    cap = entity_platform.MAX_ENABLED_ENTITIES_PER_CONFIG_ENTRY
    runs: list[dict[str, Any]] = []
    for size in args.sizes:
        print(f"bench: {size:,} sensor points ...", file=sys.stderr, flush=True)
        run = _run_worker(
            size, "setup", args.polls, args.ha_polls, with_census=args.census
        )
        if args.polls:
            update = _run_worker(size, "update", args.polls, args.ha_polls)
            run["warnings"] += update.pop("warnings")
            run["worker_seconds"] += update.pop("worker_seconds")
            run.update(update)
        runs.append(run)
        if run["setup"]["entities_offered"] > run["setup"]["entities_registered"]:
            if args.no_uncapped:
                continue
            print(
                f"bench: {size:,} sensor points, Home Assistant's cap of {cap:,} "
                "enabled entities per entry lifted ...",
                file=sys.stderr,
                flush=True,
            )
            runs.append(_run_worker(size, "setup", 0, args.ha_polls, uncapped=True))
    return runs


def _print(report: dict[str, Any]) -> None:
    runs = report["runs"]
    print(table(runs))
    print()
    for run in runs:
        if "census" in run:
            print(f"Objects tracked after setup, {label(run)} sensor points:")
            print(census_table(run["census"]))
            print()
    for check in report["targets"]:
        mark = "met   " if check["met"] else "MISSED"
        print(f"{mark} {check['target']}: {check['figure']}")
    for run in runs:
        for message in run["warnings"]:
            print(f"warning ({label(run)}): {message}")
    info = report["machine"]
    load = report["load_average"]
    print(
        f"\n{info['date']}; {info['nproc']} x {info['cpu']}, {info['memory_gib']} GiB; "
        f"Python {info['python']}, Home Assistant {info['homeassistant']}; "
        f"{report['seconds']} s; load average {load['before'][0]:.2f} before, "
        f"{load['after'][0]:.2f} after"
    )


def main() -> None:
    """Run every size, print the table and the targets, write the JSON."""
    parser = _arguments()
    args = parser.parse_args()
    if args.polls < 0 or args.ha_polls < 1:
        parser.error("--polls must be 0 or more, --ha-polls 1 or more")
    if args.worker is not None:
        _worker_main(args)
        return
    load = os.getloadavg()
    started = time.perf_counter()
    runs = _runs(args)
    report: dict[str, Any] = {
        "command": " ".join(["scripts/bench", *sys.argv[1:]]),
        "machine": machine(),
        # Other work on the machine lengthens wall times and event-loop blocks.
        "load_average": {"before": load, "after": os.getloadavg()},
        "seconds": round(time.perf_counter() - started, 1),
        "entity_cap_per_entry": entity_platform.MAX_ENABLED_ENTITIES_PER_CONFIG_ENTRY,
        "targets": targets(runs),
        "runs": runs,
    }
    _print(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
        print(f"bench: figures written to {args.json}", file=sys.stderr)


if __name__ == "__main__":
    main()
