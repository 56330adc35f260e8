#!/usr/bin/env python3
"""Benchmark the debug adapter (`cwm-lsp dap`) with the real model, in one run.

The adapter runs in this process (``serve_connection`` on a socketpair, its
own model thread) so the model thread's work can be measured beside the DAP
round trip; the client speaks DAP to it like an editor.

1. Step latency against step number (imagine mode): with KV-cache reuse a
   step costs the same at step 50 as at step 2.  For steps 2, 10, 25, 50
   (median of the step and its two neighbours): wall latency (request to
   ``stopped``), model-thread CPU seconds, and tokens the model evaluated
   (prompt tokens re-evaluated would show here); ratio 50/2 of each.  On a
   shared, loaded machine wall time is noisy: CPU time and tokens are not.
2. Compare-mode overhead per step over imagine mode: the same steps of the
   same function, imagine vs compare (debugpy in lockstep).  Overhead = the
   part of a step's wall time not spent on the model thread, compare minus
   imagine (so model-time noise cancels), plus the plain wall difference.

Prints a markdown table and a JSON object.  ``--transcript FILE`` also runs
a compare session on a function the default model gets wrong and writes the
DAP messages up to the divergence as markdown.

    .venv/bin/python scripts/bench_dap.py [--steps 50] [--compare-steps 15] [--transcript docs/dap-transcript.md]
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import contextlib
import json
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from cwm_lsp.dap import serve_connection  # noqa: E402
from cwm_lsp.dap.client import DapClient  # noqa: E402
from cwm_lsp.dap.framing import Message  # noqa: E402

T = TypeVar("T")

# A loop long enough for 50+ imagined steps.
COUNTING = """\
def count(n):
    total = 0
    for i in range(n):
        total += i
    return total
"""

# Arithmetic the 0.5B model gets wrong: mix(4) really gives x = 3, y = 23.
MIX = """\
def mix(n):
    x = n * 7 % 5
    y = x ** 3 - n
    return y
"""


class Session:
    """`cwm-lsp dap` as a child process, with every message kept for a transcript."""

    def __init__(self) -> None:
        self.events: asyncio.Queue[Message] = asyncio.Queue()
        self.log: list[tuple[str, Message]] = []
        self.process: asyncio.subprocess.Process | None = None
        self.client: DapClient | None = None

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            "import sys; from cwm_lsp.cli import main; sys.exit(main(['dap']))",
            cwd=REPO,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        assert self.process.stdin and self.process.stdout
        self.client = DapClient(self.process.stdout, self.process.stdin, self._on_event)
        self.client.start()

    async def _on_event(self, message: Message) -> None:
        self.log.append(("<-", message))
        await self.events.put(message)

    async def call(self, command: str, arguments: dict[str, Any] | None = None) -> dict[str, Any]:
        assert self.client is not None
        self.log.append(("->", {"command": command, "arguments": arguments or {}}))
        response = await self.client.send_request(command, arguments)
        self.log.append(("<-", response))
        if not response.get("success"):
            raise RuntimeError(f"{command} failed: {response.get('message')}")
        return dict(response.get("body") or {})

    async def wait(self, *names: str, timeout: float = 900) -> Message:
        deadline = time.monotonic() + timeout
        while True:
            event = await asyncio.wait_for(self.events.get(), max(0.1, deadline - time.monotonic()))
            if event.get("event") in names:
                return event

    async def launch(self, config: dict[str, Any]) -> Message:
        await self.call("initialize", {"adapterID": "cwm", "linesStartAt1": True})
        await self.wait("initialized")
        await self.call("launch", {"type": "cwm", "request": "launch", **config})
        await self.call("configurationDone")
        return await self.wait("stopped", "terminated")

    async def restart(self, config: dict[str, Any]) -> Message:
        await self.call("restart", {"arguments": {"type": "cwm", "request": "launch", **config}})
        return await self.wait("stopped", "terminated")

    async def timed_step(self, command: str = "stepIn") -> tuple[float, Message]:
        started = time.perf_counter()
        await self.call(command, {"threadId": 1})
        event = await self.wait("stopped", "terminated")
        return time.perf_counter() - started, event

    async def close(self) -> None:
        if self.client is not None and self.process is not None and self.process.returncode is None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.call("disconnect", {}), 30)
            await self.client.close()
            try:
                await asyncio.wait_for(self.process.wait(), 30)
            except (TimeoutError, asyncio.TimeoutError):
                self.process.kill()


class MeasuredExecutor:
    """A one-thread executor that records wall and CPU seconds of every call it runs."""

    def __init__(self) -> None:
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
        self.wall = 0.0
        self.cpu = 0.0

    def submit(self, fn: Callable[[], T], /) -> concurrent.futures.Future[T]:
        def run() -> T:
            wall, cpu = time.perf_counter(), time.thread_time()
            try:
                return fn()
            finally:
                self.wall += time.perf_counter() - wall
                self.cpu += time.thread_time() - cpu

        return self._pool.submit(run)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True)


class RecordingModels:
    """The adapter's ModelSource: loads the model once and keeps every session it opens."""

    def __init__(self) -> None:
        self.model: Any = None
        self.sessions: list[Any] = []

    def __call__(self, path: str | None, progress: Any) -> Any:
        if self.model is None:
            from cwm_lsp.model import ModelConfig, load_model

            self.model = load_model(ModelConfig(path=path), progress)
        outer = self

        class Recording:
            info = self.model.info

            def session(self, *args: Any, **kwargs: Any) -> Any:
                session = outer.model.session(*args, **kwargs)
                outer.sessions.append(session)
                return session

        return Recording()


class InProcess(Session):
    """serve_connection in a thread with its own loop; this side is a DAP client over a socketpair."""

    def __init__(self) -> None:
        super().__init__()
        self.executor = MeasuredExecutor()
        self.models = RecordingModels()
        self._thread: threading.Thread | None = None

    async def start(self) -> None:
        ours, theirs = socket.socketpair()

        async def serve() -> None:
            reader, writer = await asyncio.open_connection(sock=theirs)
            await serve_connection(reader, writer, self.executor, self.models)

        self._thread = threading.Thread(target=asyncio.run, args=(serve(),), daemon=True)
        self._thread.start()
        reader, writer = await asyncio.open_connection(sock=ours)
        self.client = DapClient(reader, writer, self._on_event)
        self.client.start()

    async def close(self) -> None:
        if self.client is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.call("disconnect", {}), 60)
            await self.client.close()
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join, 60)
        self.executor.shutdown()


@dataclass
class StepCost:
    wall: float
    model_wall: float
    model_cpu: float
    tokens: int


async def measured_steps(session: InProcess, count: int) -> list[StepCost]:
    costs: list[StepCost] = []
    for _ in range(count):
        executor = session.executor
        wall0, cpu0 = executor.wall, executor.cpu
        tokens0 = session.models.sessions[-1].tokens_evaluated
        seconds, event = await session.timed_step()
        if event.get("event") != "stopped":
            break
        tokens = session.models.sessions[-1].tokens_evaluated - tokens0
        costs.append(StepCost(seconds, executor.wall - wall0, executor.cpu - cpu0, tokens))
    return costs


def around(values: list[float], step: int) -> float | None:
    """Median of steps step-1..step+1 (1-based); None if not reached."""
    window = values[max(0, step - 2) : step + 1]
    return statistics.median(window) if len(values) >= step else None


def _ratio(points: dict[str, float | None]) -> float | None:
    first, last = points["2"], points["50"]
    return last / first if first and last else None


async def benchmark(steps: int, compare_steps: int, workdir: Path) -> dict[str, Any]:
    program = workdir / "count.py"
    program.write_text(COUNTING)
    base = {"program": str(program), "function": "count", "args": "(100,)", "temperature": 0.0}
    session = InProcess()
    await session.start()
    try:
        started = time.perf_counter()
        await session.launch({**base, "mode": "imagine", "maxFrames": steps + 5})
        launch_seconds = time.perf_counter() - started
        imagine = await measured_steps(session, steps)
        await session.restart({**base, "mode": "imagine", "maxFrames": compare_steps + 5})
        imagine_short = await measured_steps(session, compare_steps)
        started = time.perf_counter()
        await session.restart({**base, "mode": "compare", "maxFrames": compare_steps + 5})
        compare_launch = time.perf_counter() - started
        compare = await measured_steps(session, compare_steps)
    finally:
        await session.close()
    series = {
        "wall_s": [c.wall for c in imagine],
        "model_cpu_s": [c.model_cpu for c in imagine],
        "tokens": [float(c.tokens) for c in imagine],
    }
    points = {
        name: {str(k): around(values, k) for k in (2, 10, 25, 50)}
        for name, values in series.items()
    }

    def mean(values: list[float]) -> float | None:
        return statistics.mean(values) if values else None

    outside_imagine = mean([c.wall - c.model_wall for c in imagine_short])
    outside_compare = mean([c.wall - c.model_wall for c in compare])
    wall_imagine = mean([c.wall for c in imagine_short])
    wall_compare = mean([c.wall for c in compare])
    return {
        "launch_to_entry_s": launch_seconds,
        "imagine_steps": len(imagine),
        "points": points,
        "ratio_50_over_2": {name: _ratio(p) for name, p in points.items()},
        "per_step": [c.__dict__ for c in imagine],
        "compare": {
            "steps": len(compare),
            "launch_to_entry_s": compare_launch,
            "imagine_mean_wall_s": wall_imagine,
            "compare_mean_wall_s": wall_compare,
            "imagine_mean_outside_model_s": outside_imagine,
            "compare_mean_outside_model_s": outside_compare,
            "overhead_per_step_s": (
                outside_compare - outside_imagine
                if outside_compare is not None and outside_imagine is not None
                else None
            ),
            "wall_difference_per_step_s": (
                wall_compare - wall_imagine
                if wall_compare is not None and wall_imagine is not None
                else None
            ),
        },
    }


def markdown(result: dict[str, Any]) -> str:
    def fmt(value: float | None, unit: str = " s", digits: int = 3) -> str:
        return "n/a" if value is None else f"{value:.{digits}f}{unit}"

    points = result["points"]
    ratio = result["ratio_50_over_2"]
    compare = result["compare"]
    lines = [
        "| imagine step | wall latency | model-thread CPU | tokens evaluated |",
        "| --- | --- | --- | --- |",
        *(
            f"| {k} | {fmt(points['wall_s'][k])} | {fmt(points['model_cpu_s'][k])} | "
            f"{fmt(points['tokens'][k], '', 0)} |"
            for k in ("2", "10", "25", "50")
        ),
        f"| ratio 50 / 2 | {fmt(ratio['wall_s'], '', 2)} | {fmt(ratio['model_cpu_s'], '', 2)} | "
        f"{fmt(ratio['tokens'], '', 2)} |",
        "",
        f"| compare mode, {compare['steps']} steps | value |",
        "| --- | --- |",
        f"| imagine: mean step wall | {fmt(compare['imagine_mean_wall_s'])} |",
        f"| compare: mean step wall | {fmt(compare['compare_mean_wall_s'])} |",
        f"| imagine: mean step outside the model thread | {fmt(compare['imagine_mean_outside_model_s'])} |",
        f"| compare: mean step outside the model thread | {fmt(compare['compare_mean_outside_model_s'])} |",
        f"| **compare overhead per step** (outside-model difference) | {fmt(compare['overhead_per_step_s'])} |",
        f"| plain wall difference per step (noisy) | {fmt(compare['wall_difference_per_step_s'])} |",
        f"| launch to entry stop, imagine (model load included) | {fmt(result['launch_to_entry_s'])} |",
        f"| restart to entry stop, compare (debugpy start included) | {fmt(compare['launch_to_entry_s'])} |",
    ]
    return "\n".join(lines)


def _short(message: Message) -> str:
    return json.dumps(message, ensure_ascii=False)


async def transcript(path: Path, workdir: Path) -> None:
    program = workdir / "mix.py"
    program.write_text(MIX)
    session = Session()
    await session.start()
    config = {
        "program": str(program),
        "function": "mix",
        "args": "(4,)",
        "mode": "compare",
        "maxFrames": 12,
    }
    try:
        await session.launch(config)
        await session.call("continue", {"threadId": 1})
        stop = await session.wait("stopped", "terminated")
        worlds: dict[str, Any] = {}
        if stop.get("event") == "stopped":
            for thread, name in ((1, "imagined"), (2, "real")):
                frames = (await session.call("stackTrace", {"threadId": thread}))["stackFrames"]
                scopes = (await session.call("scopes", {"frameId": frames[0]["id"]}))["scopes"]
                variables = {}
                for scope in scopes:
                    body = await session.call(
                        "variables", {"variablesReference": scope["variablesReference"]}
                    )
                    variables[scope["name"]] = {v["name"]: v["value"] for v in body["variables"]}
                worlds[name] = {"line": frames[0]["line"], **variables}
    finally:
        await session.close()
    program_text = MIX.replace("\n", "\n    ")
    out = [
        "# A compare session that finds a divergence",
        "",
        "Generated by `scripts/bench_dap.py --transcript docs/dap-transcript.md`: the real",
        "`cwm-lsp dap` with the embedded default model (Qwen2.5-Coder-0.5B-Instruct) and",
        "real debugpy, launch configuration",
        "",
        "```json",
        json.dumps({"type": "cwm", "request": "launch", **config, "program": "mix.py"}, indent=2),
        "```",
        "",
        "on",
        "",
        "    " + program_text.rstrip(),
        "",
        "`continue` runs both worlds in lockstep and stops at the first step where they differ.",
        "",
    ]
    if worlds:
        out += [
            "## Where it stopped",
            "",
            f"- stopped event: `{stop['body'].get('description', '')}`",
            f"- imagined thread: line {worlds['imagined']['line']}, locals {worlds['imagined'].get('Locals')}",
            f"- real thread: line {worlds['real']['line']}, locals {worlds['real'].get('Locals')}",
            f"- Mismatches scope: {worlds['imagined'].get('Mismatches')}",
            "",
        ]
    out += [
        "## The DAP messages (`->` client to adapter, `<-` adapter to client)",
        "",
        "```",
        *(f"{direction} {_short(message)}" for direction, message in session.log),
        "```",
        "",
    ]
    path.write_text("\n".join(out), encoding="utf-8")
    print(f"transcript written to {path}", file=sys.stderr)


async def main_async(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="cwm-bench-dap-") as tmp:
        workdir = Path(tmp)
        if args.transcript:
            await transcript(Path(args.transcript), workdir)
        if args.steps > 0:
            result = await benchmark(args.steps, args.compare_steps, workdir)
            print(markdown(result))
            print()
            print(json.dumps(result, indent=2))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=50, help="imagine-mode steps (0: skip)")
    parser.add_argument("--compare-steps", type=int, default=15)
    parser.add_argument("--transcript", help="also write a compare-session transcript here")
    asyncio.run(main_async(parser.parse_args()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
