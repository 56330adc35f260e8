"""The remote engine against the in-process one, on the same model and machine, in one run.

    .venv/bin/python scripts/bench_remote.py --out docs/bench/remote.json

1. Steps 1-50 of one imagined session, stepped one frame at a time: wall time
   per step and prompt tokens evaluated per step, in-process (llama.cpp in
   this process, the tokens its cache did not hold) and against llama-server
   on loopback (the server's own ``timings.prompt_n``), with proposals (the
   remote engine's way) and token by token (one request per token).  The
   in-process and the remote session take their steps in turn (step n of
   one, then of the other), so a load that comes and goes on a shared
   machine falls on both alike.
2. Aggregate frames/s of 1, 2 and 4 concurrent sessions (each its own
   engine, as separate editors would be) against one ``llama-server
   --parallel 4``.  ``--no-concurrent`` skips it and keeps the figures of
   the file it writes over (marked as not re-run).

The machine's load average is recorded before and after: on a shared
machine timings move with it.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests" / "remote"))

from server_process import LlamaServer  # noqa: E402

from cwm_lsp.engine.remote import RemoteEngine  # noqa: E402
from cwm_lsp.model import ModelConfig, load_model  # noqa: E402
from cwm_lsp.model.default import ensure_default_model  # noqa: E402
from cwm_lsp.model.world import LlamaWorldModel  # noqa: E402

log = logging.getLogger("bench_remote")

#: A function whose run has more than 50 frames (the loop of bench_model.py's collatz).
SOURCE = """\
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
FUNCTION = "collatz_steps"
ARGS = "27"
CTX = 4096


#: batch threads of both engines (0: the in-process default, every CPU; the server 2)
BATCH_THREADS = 0


def load(endpoint: str | None, *, proposals: bool = True) -> LlamaWorldModel:
    # one decode thread (the default), batches on BATCH_THREADS, as the server
    # the GGUF alone on both sides: the server is started without the shipped adapter
    config = ModelConfig(
        endpoint=endpoint or "", adapter="", n_ctx=CTX, n_threads_batch=BATCH_THREADS
    )
    world = load_model(config)
    if endpoint and not proposals:
        assert isinstance(world.engine, RemoteEngine)
        world.engine.proposal_tokens = None
    return world


def evaluated_so_far(world: LlamaWorldModel, session: Any) -> int:
    engine = world.engine
    if isinstance(engine, RemoteEngine):
        return engine.stats.prompt_evaluated
    return int(session.tokens_evaluated)


def requests_so_far(world: LlamaWorldModel) -> int:
    engine = world.engine
    return engine.stats.requests if isinstance(engine, RemoteEngine) else 0


def process_cpu_seconds(pid: int) -> float:
    """User and system CPU time of process ``pid`` so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Stepper:
    """One imagined session stepped a frame at a time, a row per step.

    Besides wall time, each step's CPU time: this process's (the in-process
    engine, or the remote engine's client), plus the server's for a remote
    one (``server_pid``).  On a machine other work shares, wall time moves
    with that work; CPU time is what the step itself cost.
    """

    def __init__(self, world: LlamaWorldModel, steps: int, server_pid: int | None = None) -> None:
        self.world = world
        self.server_pid = server_pid
        self.session = world.session(SOURCE, FUNCTION, args=ARGS, max_frames=steps + 5)
        self.session.reset()
        self.rows: list[dict[str, Any]] = []

    @property
    def done(self) -> bool:
        return bool(self.session.done)

    def step(self) -> None:
        world, session = self.world, self.session
        engine = world.engine
        remote = isinstance(engine, RemoteEngine)
        before_tokens = evaluated_so_far(world, session)
        before_requests = requests_so_far(world)
        before_log = len(engine.stats.log) if isinstance(engine, RemoteEngine) else 0
        server_cpu = process_cpu_seconds(self.server_pid) if self.server_pid else 0.0
        cpu = time.process_time()
        started = time.perf_counter()
        frame = session.step()
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu
        if self.server_pid:
            cpu += process_cpu_seconds(self.server_pid) - server_cpu
        row: dict[str, Any] = {
            "step": len(self.rows) + 1,
            "seconds": round(seconds, 4),
            "cpu_seconds": round(cpu, 4),
            "prompt_tokens_evaluated": evaluated_so_far(world, session) - before_tokens,
            "requests": requests_so_far(world) - before_requests,
            "event": frame.event,
            "line": frame.line,
        }
        if remote:
            assert isinstance(engine, RemoteEngine)
            records = engine.stats.log[before_log:]
            # tokens the server evaluated again though it had evaluated them for the
            # previous request (llama-server does so with the last token of a prompt
            # it holds whole, for its logits)
            row["prompt_tokens_reevaluated"] = sum(max(0, r.evaluated - r.new) for r in records)
            row["server_seconds"] = round(sum(r.seconds for r in records), 4)
        self.rows.append(row)

    def finish(self) -> dict[str, Any]:
        frames = [(f.event, f.line, dict(f.locals), f.value) for f in self.session.frames]
        self.session.close()
        return {"steps": self.rows, "frames": frames}


def step_run(world: LlamaWorldModel, steps: int, server_pid: int | None = None) -> dict[str, Any]:
    stepper = Stepper(world, steps, server_pid)
    while len(stepper.rows) < steps and not stepper.done:
        stepper.step()
    return stepper.finish()


def step_runs_in_turn(
    worlds: list[tuple[LlamaWorldModel, int | None]], steps: int
) -> list[dict[str, Any]]:
    """Step n of each (world, server pid) in turn, the order alternating, so both see the
    same load."""
    steppers = [Stepper(world, steps, pid) for world, pid in worlds]
    for number in range(steps):
        order = steppers if number % 2 == 0 else steppers[::-1]
        for stepper in order:
            if len(stepper.rows) < steps and not stepper.done:
                stepper.step()
    return [stepper.finish() for stepper in steppers]


def _window_ratio(by_step: dict[int, float], late: range, early: range, how: Any) -> float | None:
    a = [by_step[s] for s in late if s in by_step]
    b = [by_step[s] for s in early if s in by_step]
    return round(how(a) / how(b), 3) if a and b and how(b) else None


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    seconds = [r["seconds"] for r in rows]
    by_step = {r["step"]: r["seconds"] for r in rows}
    after_first = [r for r in rows if r["step"] > 1] or rows
    out: dict[str, Any] = {
        "steps": len(rows),
        "mean_step_s": round(statistics.mean(seconds), 4),
        "median_step_s": round(statistics.median(seconds), 4),
        # step 1 evaluates the prompt (in-process from its saved KV state, the server
        # from scratch the first time): the steps after it are what a step costs
        "mean_step_s_steps_2_on": round(statistics.mean(r["seconds"] for r in after_first), 4),
        "median_step_s_steps_2_on": round(statistics.median(r["seconds"] for r in after_first), 4),
        "prompt_tokens_evaluated_mean": round(
            statistics.mean(r["prompt_tokens_evaluated"] for r in rows), 1
        ),
        "prompt_tokens_evaluated_mean_steps_2_on": round(
            statistics.mean(r["prompt_tokens_evaluated"] for r in after_first), 1
        ),
        "prompt_tokens_evaluated_max_steps_2_on": max(
            r["prompt_tokens_evaluated"] for r in after_first
        ),
        "requests_per_step": round(statistics.mean(r["requests"] for r in rows), 2),
        "requests_per_step_steps_2_on": round(
            statistics.mean(r["requests"] for r in after_first), 2
        ),
    }
    if "prompt_tokens_reevaluated" in rows[0]:
        out["prompt_tokens_reevaluated_total"] = sum(r["prompt_tokens_reevaluated"] for r in rows)
        out["server_seconds_mean"] = round(statistics.mean(r["server_seconds"] for r in rows), 4)
    cpu = {r["step"]: r["cpu_seconds"] for r in rows}
    out["mean_step_cpu_s"] = round(statistics.mean(cpu.values()), 4)
    out["median_step_cpu_s"] = round(statistics.median(cpu.values()), 4)
    ratio = _window_ratio(by_step, range(46, 51), range(2, 7), statistics.mean)
    if ratio is not None:
        out["step50_over_step2"] = ratio
        out["step50_over_step2_note"] = "mean of steps 46-50 over mean of steps 2-6"
    # two whole cycles of the loop (4 lines each) at each end, by median: one stalled
    # step on a shared machine moves it less
    median_ratio = _window_ratio(by_step, range(43, 51), range(3, 11), statistics.median)
    if median_ratio is not None:
        out["step50_over_step2_median"] = median_ratio
        out["step50_over_step2_median_note"] = "median of steps 43-50 over median of steps 3-10"
    cpu_ratio = _window_ratio(cpu, range(46, 51), range(2, 7), statistics.mean)
    if cpu_ratio is not None:
        out["step50_over_step2_cpu"] = cpu_ratio
    if "server_seconds" in rows[0]:
        server = {r["step"]: r["server_seconds"] for r in rows}
        server_ratio = _window_ratio(server, range(46, 51), range(2, 7), statistics.mean)
        if server_ratio is not None:
            out["step50_over_step2_server_time"] = server_ratio
    return out


def dev_rows_equal(
    local: LlamaWorldModel, remote: LlamaWorldModel, rows: int, frames: int
) -> dict[str, Any]:
    """Frames equal / compared on the first ``rows`` CRUXEval dev rows (evaluation only)."""
    path = REPO.parent / "shared" / "bench" / "cruxeval-dev.jsonl"
    data = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    out = []
    for row in data[:rows]:
        a = local.imagine(row["code"], "f", row["input"], max_frames=frames).trace.frames
        b = remote.imagine(row["code"], "f", row["input"], max_frames=frames).trace.frames
        shape_a = [(f.event, f.line, dict(f.locals), f.value) for f in a]
        shape_b = [(f.event, f.line, dict(f.locals), f.value) for f in b]
        equal = sum(1 for x, y in zip(shape_a, shape_b, strict=False) if x == y)
        first = next(
            (i for i, (x, y) in enumerate(zip(shape_a, shape_b, strict=False)) if x != y), None
        )
        out.append({"id": row["id"], "frames_in_process": len(a), "frames_remote": len(b),
                    "equal": equal, "first_difference": first})  # fmt: skip
    return {
        "rows": out,
        "frames_equal": sum(r["equal"] for r in out),
        "frames_compared": sum(max(r["frames_in_process"], r["frames_remote"]) for r in out),
    }


def concurrent(url: str, sessions: int, frames: int) -> dict[str, Any]:
    worlds = [load(url) for _ in range(sessions)]
    counts = [0] * sessions
    errors: list[str] = []

    def run(index: int) -> None:
        try:
            imagined = worlds[index].imagine(SOURCE, FUNCTION, ARGS, max_frames=frames)
            counts[index] = len(imagined.trace.frames)
        except Exception as exc:  # reported in the output, never hidden
            errors.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=run, args=(i,)) for i in range(sessions)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    for world in worlds:
        world.close()
    total = sum(counts)
    return {
        "sessions": sessions,
        "frames": total,
        "seconds": round(seconds, 3),
        "frames_per_s": round(total / seconds, 3),
        "errors": errors,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "bench" / "remote.json")
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--concurrent-frames", type=int, default=24)
    parser.add_argument(
        "--no-concurrent",
        action="store_true",
        help="skip the concurrent sessions (keep the figures of --out, marked as not re-run)",
    )
    parser.add_argument("--no-token-level", action="store_true")
    parser.add_argument("--token-steps", type=int, default=10)
    parser.add_argument("--dev-rows", type=int, default=0, help="also compare frames on N dev rows")
    parser.add_argument("--dev-frames", type=int, default=12)
    parser.add_argument(
        "--batch-threads",
        type=int,
        default=0,
        help="batch threads of both engines (default: every CPU in-process, 2 on the server); "
        "1 keeps llama.cpp's spinning threads off a CPU other work needs",
    )
    args = parser.parse_args()
    global BATCH_THREADS
    BATCH_THREADS = args.batch_threads
    server_batch = args.batch_threads or 2
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
    model = ensure_default_model(verify=False)
    load_before = os.getloadavg()
    result: dict[str, Any] = {
        "model": model.name,
        "machine": {
            "cpus": os.cpu_count(),
            "load_average_before": [round(x, 2) for x in load_before],
        },
        "source": SOURCE,
        "args": ARGS,
        "threads": {"decode": 1, "batch": args.batch_threads or "every CPU in-process, 2 server"},
    }

    previous: dict[str, Any] = {}
    if args.out.is_file():
        previous = json.loads(args.out.read_text(encoding="utf-8"))

    server = LlamaServer(
        model, ctx=CTX, parallel=1, threads_batch=server_batch, log=Path("/tmp/bench-remote-1.log")
    )
    server.start()
    try:
        log.info("in-process and llama-server (proposals), in turn: %d steps", args.steps)
        local_world = load(None)
        remote_world = load(server.url)
        assert server.process is not None
        local, remote = step_runs_in_turn(
            [(local_world, None), (remote_world, server.process.pid)], args.steps
        )
        local_world.close()
        remote_world.close()
        if args.dev_rows:
            log.info("dev rows: %d, up to %d frames each", args.dev_rows, args.dev_frames)
            local_world = load(None)
            remote_world = load(server.url)
            result["dev_rows"] = dev_rows_equal(
                local_world, remote_world, args.dev_rows, args.dev_frames
            )
            local_world.close()
            remote_world.close()
        token_level = None
        if not args.no_token_level:
            log.info("llama-server (token by token): %d steps", min(args.steps, args.token_steps))
            token_world = load(server.url, proposals=False)
            token_level = step_run(
                token_world, min(args.steps, args.token_steps), server.process.pid
            )
            token_world.close()
    finally:
        server.stop()

    compared = min(len(local["frames"]), len(remote["frames"]))
    equal = sum(1 for a, b in zip(local["frames"], remote["frames"], strict=False) if a == b)
    result["steps"] = {
        "in_process": {"summary": summary(local["steps"]), "per_step": local["steps"]},
        "remote": {"summary": summary(remote["steps"]), "per_step": remote["steps"]},
        "frames_equal": equal,
        "frames_compared": compared,
    }
    if token_level is not None:
        result["steps"]["remote_token_by_token"] = {
            "summary": summary(token_level["steps"]),
            "per_step": token_level["steps"],
        }
    local_summary = result["steps"]["in_process"]["summary"]
    remote_summary = result["steps"]["remote"]["summary"]
    result["steps"]["remote_over_in_process"] = round(
        remote_summary["mean_step_s"] / local_summary["mean_step_s"], 3
    )
    result["steps"]["remote_over_in_process_median"] = round(
        remote_summary["median_step_s"] / local_summary["median_step_s"], 3
    )
    result["steps"]["remote_over_in_process_steps_2_on"] = round(
        remote_summary["mean_step_s_steps_2_on"] / local_summary["mean_step_s_steps_2_on"], 3
    )
    result["steps"]["remote_over_in_process_cpu"] = round(
        remote_summary["mean_step_cpu_s"] / local_summary["mean_step_cpu_s"], 3
    )

    if args.no_concurrent:
        result["concurrent"] = previous.get("concurrent", [])
        result["concurrent_note"] = "not re-run in this run: the figures of the run before"
    else:
        server = LlamaServer(
            model,
            ctx=CTX,
            parallel=4,
            threads_batch=server_batch,
            log=Path("/tmp/bench-remote-4.log"),
        )
        server.start()
        try:
            result["concurrent"] = []
            for sessions in (1, 2, 4):
                log.info("concurrent: %d sessions", sessions)
                result["concurrent"].append(
                    concurrent(server.url, sessions, args.concurrent_frames)
                )
        finally:
            server.stop()
        one = result["concurrent"][0]["frames_per_s"] if result["concurrent"] else 0
        for row in result["concurrent"]:
            row["speedup_over_one"] = round(row["frames_per_s"] / one, 3) if one else None
    result["machine"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    brief = {
        "in_process": result["steps"]["in_process"]["summary"],
        "remote": result["steps"]["remote"]["summary"],
        "remote_over_in_process": result["steps"]["remote_over_in_process"],
        "remote_over_in_process_median": result["steps"]["remote_over_in_process_median"],
        "remote_over_in_process_cpu": result["steps"]["remote_over_in_process_cpu"],
        "remote_over_in_process_steps_2_on": result["steps"]["remote_over_in_process_steps_2_on"],
        "frames_equal": f"{equal}/{compared}",
        "concurrent": [
            (r["sessions"], r["frames_per_s"], r["speedup_over_one"]) for r in result["concurrent"]
        ],
        "load": (result["machine"]["load_average_before"], result["machine"]["load_average_after"]),
    }
    sys.stdout.write(json.dumps(brief, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
