"""The remote engine against the in-process one, on the same model and machine, in one run.

    .venv/bin/python scripts/bench_remote.py --out docs/bench/remote.json

1. Steps 1-50 of one imagined session, stepped one frame at a time: wall time
   per step and prompt tokens evaluated per step, in-process (llama.cpp in
   this process, the tokens its cache did not hold) and against llama-server
   on loopback (the server's own ``timings.prompt_n``), with proposals (the
   remote engine's way) and token by token (one request per token).
2. Aggregate frames/s of 1, 2 and 4 concurrent sessions (each its own
   engine, as separate editors would be) against one ``llama-server
   --parallel 4``.

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


def load(endpoint: str | None, *, proposals: bool = True) -> LlamaWorldModel:
    config = ModelConfig(endpoint=endpoint or "", n_ctx=CTX)  # the default threads
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


def step_run(world: LlamaWorldModel, steps: int) -> dict[str, Any]:
    session = world.session(SOURCE, FUNCTION, args=ARGS, max_frames=steps + 5)
    session.reset()
    rows = []
    for number in range(1, steps + 1):
        before_tokens = evaluated_so_far(world, session)
        before_requests = requests_so_far(world)
        started = time.perf_counter()
        frame = session.step()
        seconds = time.perf_counter() - started
        rows.append(
            {
                "step": number,
                "seconds": round(seconds, 4),
                "prompt_tokens_evaluated": evaluated_so_far(world, session) - before_tokens,
                "requests": requests_so_far(world) - before_requests,
                "event": frame.event,
                "line": frame.line,
            }
        )
        if session.done:
            break
    frames = [(f.event, f.line, dict(f.locals), f.value) for f in session.frames]
    session.close()
    return {"steps": rows, "frames": frames}


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    seconds = [r["seconds"] for r in rows]
    by_step = {r["step"]: r["seconds"] for r in rows}
    out: dict[str, Any] = {
        "steps": len(rows),
        "mean_step_s": round(statistics.mean(seconds), 4),
        "median_step_s": round(statistics.median(seconds), 4),
        "prompt_tokens_evaluated_mean": round(
            statistics.mean(r["prompt_tokens_evaluated"] for r in rows), 1
        ),
        "requests_per_step": round(statistics.mean(r["requests"] for r in rows), 2),
    }
    late = [by_step[s] for s in range(46, 51) if s in by_step]
    early = [by_step[s] for s in range(2, 7) if s in by_step]
    if late and early:
        out["step50_over_step2"] = round(statistics.mean(late) / statistics.mean(early), 3)
        out["step50_over_step2_note"] = "mean of steps 46-50 over mean of steps 2-6"
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
    parser.add_argument("--no-token-level", action="store_true")
    parser.add_argument("--token-steps", type=int, default=10)
    parser.add_argument("--dev-rows", type=int, default=0, help="also compare frames on N dev rows")
    parser.add_argument("--dev-frames", type=int, default=12)
    args = parser.parse_args()
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
    }

    log.info("in-process: %d steps", args.steps)
    local_world = load(None)
    local = step_run(local_world, args.steps)
    local_world.close()

    server = LlamaServer(model, ctx=CTX, parallel=1, log=Path("/tmp/bench-remote-1.log"))
    server.start()
    try:
        log.info("llama-server (proposals): %d steps", args.steps)
        remote_world = load(server.url)
        remote = step_run(remote_world, args.steps)
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
            token_level = step_run(token_world, min(args.steps, args.token_steps))
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
    local_mean = result["steps"]["in_process"]["summary"]["mean_step_s"]
    remote_mean = result["steps"]["remote"]["summary"]["mean_step_s"]
    result["steps"]["remote_over_in_process"] = round(remote_mean / local_mean, 3)

    server = LlamaServer(model, ctx=CTX, parallel=4, log=Path("/tmp/bench-remote-4.log"))
    server.start()
    try:
        result["concurrent"] = []
        for sessions in (1, 2, 4):
            log.info("concurrent: %d sessions", sessions)
            result["concurrent"].append(concurrent(server.url, sessions, args.concurrent_frames))
    finally:
        server.stop()
    one = result["concurrent"][0]["frames_per_s"]
    for row in result["concurrent"]:
        row["speedup_over_one"] = round(row["frames_per_s"] / one, 3) if one else None
    result["machine"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    brief = {
        "in_process": result["steps"]["in_process"]["summary"],
        "remote": result["steps"]["remote"]["summary"],
        "remote_over_in_process": result["steps"]["remote_over_in_process"],
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
