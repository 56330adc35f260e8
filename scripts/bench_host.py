"""The model host's cost: per-step wall time of a stepping session, host process vs in-process, same run.

Both models are loaded in this one process's run (the in-process one here,
the other in a model host child process) with the same settings; each round
steps a session of the same function ``--steps`` times on each, in turns
(which goes first alternates), and times every step where the caller sees
it: for the host that includes the request crossing the pipe, the frames
coming back and unpickling them.  Greedy decoding, so both produce the same
frames (checked).  Reported: the median, mean and p90 of the per-step wall
times of each, the overhead of the host in per cent (median and mean); the
CPU seconds per step of the process that holds the model (less sensitive to
other load than wall time); the pipe's share of each host step (the
caller's wall time less the host's own wall time for the call: requests,
frames, pickling, waking up); the round trip of an empty call; load times.

    .venv/bin/python scripts/bench_host.py [--steps 30] [--repeat 3] [--threads 0] \
        [--out docs/bench/host.json]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped]

from cwm_lsp.host.world import HostWorldModel
from cwm_lsp.model import ModelConfig, load_model
from cwm_lsp.model.api import WorldModel

COLLATZ = """\
def collatz_steps(n):
    steps = 0
    while n != 1:
        if n % 2 == 0:
            n = n // 2
        else:
            n = 3 * n + 1
        steps += 1
    return steps
"""


@dataclass
class Steps:
    """One session's per-step figures, as its caller saw them."""

    reset_s: float = 0.0
    wall: list[float] = field(default_factory=list)
    #: CPU seconds of the process that holds the model (all its threads)
    cpu: list[float] = field(default_factory=list)
    #: the host's own wall time for the step (host only): wall - this = the pipe's share
    in_host: list[float] = field(default_factory=list)
    frames: list[Any] = field(default_factory=list)


def cpu_clock(model: WorldModel) -> Callable[[], float]:
    if isinstance(model, HostWorldModel):
        child = psutil.Process(model.pid)
        return lambda: float(sum(child.cpu_times()[:2]))
    return time.process_time


def run_session(model: WorldModel, steps: int) -> Steps:
    """The figures of one session of ``steps`` steps."""
    out = Steps()
    cpu = cpu_clock(model)
    session = model.session(COLLATZ, "collatz_steps", args="27", max_frames=steps + 2)
    started = time.perf_counter()
    session.reset()
    out.reset_s = time.perf_counter() - started
    for _ in range(steps):
        cpu_before = cpu()
        started = time.perf_counter()
        session.step()
        out.wall.append(time.perf_counter() - started)
        out.cpu.append(cpu() - cpu_before)
        if isinstance(model, HostWorldModel):
            out.in_host.append(model.host.last_call_seconds)
    out.frames = list(session.frames)
    session.close()
    return out


def p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]


def summary(times: list[float]) -> dict[str, float]:
    return {
        "median_s": round(statistics.median(times), 4),
        "mean_s": round(statistics.fmean(times), 4),
        "p90_s": round(p90(times), 4),
        "total_s": round(sum(times), 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--pings", type=int, default=200)
    parser.add_argument("--out", default="docs/bench/host.json")
    args = parser.parse_args()

    config = ModelConfig(path=args.model, n_ctx=4096, n_threads=args.threads)
    started = time.perf_counter()
    inline = load_model(config)
    inline_load = time.perf_counter() - started
    started = time.perf_counter()
    hosted = HostWorldModel.start(config)
    host_load = time.perf_counter() - started

    pings = []
    for _ in range(args.pings):
        started = time.perf_counter()
        hosted.host.call("pid")
        pings.append(time.perf_counter() - started)

    times: dict[str, list[float]] = {"inline": [], "process": []}
    cpu: dict[str, list[float]] = {"inline": [], "process": []}
    pipe: list[float] = []
    resets: dict[str, list[float]] = {"inline": [], "process": []}
    rounds = []
    reference: list[Any] | None = None
    try:
        for round_no in range(args.repeat):
            order = ["inline", "process"] if round_no % 2 == 0 else ["process", "inline"]
            this_round: dict[str, Any] = {"order": order}
            for mode in order:
                model: WorldModel = inline if mode == "inline" else hosted
                run = run_session(model, args.steps)
                step_times = run.wall
                if reference is None:
                    reference = run.frames
                elif run.frames != reference:
                    raise SystemExit(f"round {round_no + 1}: {mode} produced other frames")
                times[mode].extend(step_times)
                cpu[mode].extend(run.cpu)
                pipe.extend(w - h for w, h in zip(run.wall, run.in_host, strict=False))
                resets[mode].append(run.reset_s)
                this_round[mode] = {
                    **summary(step_times),
                    "cpu_median_s": round(statistics.median(run.cpu), 4),
                }
                sys.stderr.write(
                    f"round {round_no + 1} {mode:8s} median step "
                    f"{statistics.median(step_times):.3f} s\n"
                )
            rounds.append(this_round)
    finally:
        hosted.close()
        inline.close()

    inline_s, process_s = summary(times["inline"]), summary(times["process"])
    result = {
        "what": "per-step wall time of a stepping session (collatz_steps(27)), "
        "model host process vs in-process, same run, turns alternating",
        "model": inline.info.path,
        "steps_per_session": args.steps,
        "rounds": args.repeat,
        "threads": args.threads,
        "machine": {"cpus": _cpus(), "python": platform.python_version()},
        "same_frames": True,
        "inline": {**inline_s, "reset_median_s": round(statistics.median(resets["inline"]), 3)},
        "process": {
            **process_s,
            "reset_median_s": round(statistics.median(resets["process"]), 3),
        },
        "overhead_median_pct": round(100 * (process_s["median_s"] / inline_s["median_s"] - 1), 2),
        "overhead_mean_pct": round(100 * (process_s["mean_s"] / inline_s["mean_s"] - 1), 2),
        "cpu_per_step_median_s": {
            "inline": round(statistics.median(cpu["inline"]), 4),
            "process": round(statistics.median(cpu["process"]), 4),
        },
        "cpu_overhead_median_pct": round(
            100 * (statistics.median(cpu["process"]) / statistics.median(cpu["inline"]) - 1), 2
        ),
        "pipe_per_step_ms": {
            "median": round(1000 * statistics.median(pipe), 3),
            "p90": round(1000 * p90(pipe), 3),
            "max": round(1000 * max(pipe), 3),
            "share_of_median_step_pct": round(
                100 * statistics.median(pipe) / process_s["median_s"], 3
            ),
        },
        "empty_call_round_trip_ms": {
            "median": round(1000 * statistics.median(pings), 3),
            "p90": round(1000 * p90(pings), 3),
        },
        "load_s": {"inline": round(inline_load, 2), "process": round(host_load, 2)},
        "per_round": rounds,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    sys.stdout.write(
        f"| | median step | mean step | p90 step |\n|---|---|---|---|\n"
        f"| in-process | {inline_s['median_s']:.3f} s | {inline_s['mean_s']:.3f} s "
        f"| {inline_s['p90_s']:.3f} s |\n"
        f"| model host | {process_s['median_s']:.3f} s | {process_s['mean_s']:.3f} s "
        f"| {process_s['p90_s']:.3f} s |\n\n"
        f"host overhead: {result['overhead_median_pct']:+.1f} % (median), "
        f"{result['overhead_mean_pct']:+.1f} % (mean); CPU per step "
        f"{result['cpu_overhead_median_pct']:+.1f} %; the pipe's share of a step "
        f"{result['pipe_per_step_ms']['median']:.2f} ms median; empty call "
        f"{result['empty_call_round_trip_ms']['median']:.2f} ms\n"
    )
    return 0


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


if __name__ == "__main__":
    sys.exit(main())
