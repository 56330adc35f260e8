"""Benchmark the model room on one model, in one run.

Measures: raw llama.cpp decode tokens/s (plain greedy generate), decode
tokens/s inside a trace session, and for each of steps 1-50 the tokens
evaluated and the wall time, the step-50 / step-2 wall-time ratio and the
tokens per frame.  Prints a markdown table and writes JSON.

    .venv/bin/python scripts/bench_model.py [--model PATH] [--steps 50] [--out bench-model.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

from cwm_lsp.model import ModelConfig, load_model

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


def raw_decode(world, n_tokens: int) -> float:  # type: ignore[no-untyped-def]
    """Plain llama.cpp greedy generation, prompt already in the cache: tokens/s."""
    llama = world.engine.llama
    prompt = "def fibonacci(n):\n    "
    llama.reset()
    llama.create_completion(prompt, max_tokens=1, temperature=0.0)
    started = time.perf_counter()
    out = llama.create_completion(prompt, max_tokens=n_tokens, temperature=0.0)
    seconds = time.perf_counter() - started
    world.engine._logits_at = -1  # the high-level API moved the cache under the engine
    world.engine._owner = None
    return int(out["usage"]["completion_tokens"]) / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", help="GGUF path (default: the embedded default model)")
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--out", default="bench-model.json")
    args = parser.parse_args()

    world = load_model(ModelConfig(path=args.model, n_threads=args.threads))
    raw = raw_decode(world, 64)

    session = world.session(SOURCE, "collatz_steps", args="27", max_frames=args.steps + 5)
    started = time.perf_counter()
    session.reset()
    steps = []
    for number in range(1, args.steps + 1):
        evaluated, generated, history = (
            session.tokens_evaluated,
            session.tokens_generated,
            len(session.decoder.tokens),
        )
        t0 = time.perf_counter()
        frame = session.step()
        seconds = time.perf_counter() - t0
        steps.append(
            {
                "step": number,
                "seconds": seconds,
                "tokens_evaluated": session.tokens_evaluated - evaluated,
                "tokens_generated": session.tokens_generated - generated,
                "frame_tokens": len(session.decoder.tokens) - history,
                "line": frame.line,
                "event": frame.event,
            }
        )
        print(
            f"step {number}: {seconds:.2f}s evaluated {steps[-1]['tokens_evaluated']}",
            file=sys.stderr,
            flush=True,
        )
        if session.done:
            break
    total = time.perf_counter() - started
    raw_after = raw_decode(world, 64)  # the machine's load may have changed meanwhile
    raw = (raw + raw_after) / 2
    later = steps[1:]
    gen_tokens = sum(s["tokens_generated"] for s in later)
    gen_seconds = sum(s["seconds"] for s in later)
    in_session = gen_tokens / gen_seconds if gen_seconds else 0.0
    last = steps[-1]
    ratio = last["seconds"] / steps[1]["seconds"] if len(steps) > 1 else float("nan")
    # Robust version of the ratio: median of the last 5 steps over the median of steps 2-6.
    ratio_median = statistics.median(s["seconds"] for s in steps[-5:]) / statistics.median(
        s["seconds"] for s in steps[1:6]
    )
    result = {
        "model": world.info.path,
        "format": world.info.format,
        "raw_decode_tokens_per_s": raw,
        "session_decode_tokens_per_s": in_session,
        "session_vs_raw": in_session / raw if raw else 0.0,
        "steps": steps,
        "last_step": last["step"],
        "step_last_over_step2": ratio,
        "step_last5_over_step2_6_median": ratio_median,
        "tokens_per_frame": statistics.mean(s["frame_tokens"] for s in later),
        "generated_tokens_per_frame": statistics.mean(s["tokens_generated"] for s in later),
        "parse_errors": session.parse_errors,
        "total_seconds": total,
    }
    with open(args.out, "w") as handle:
        json.dump(result, handle, indent=2)
    print(f"model: {world.info.path} ({world.info.format})\n")
    print("| metric | value |\n| --- | --- |")
    print(f"| raw llama.cpp decode | {raw:.1f} tok/s |")
    print(f"| decode inside the session | {in_session:.1f} tok/s ({in_session / raw:.2f}x raw) |")
    print(f"| step {last['step']} / step 2 wall time | {ratio:.2f} |")
    print(f"| median(last 5) / median(steps 2-6) | {ratio_median:.2f} |")
    print(
        f"| tokens per frame (all / generated) | {result['tokens_per_frame']:.1f} / {result['generated_tokens_per_frame']:.1f} |"
    )
    print(f"| parse errors | {session.parse_errors} |\n")
    print(
        "| step | line | event | evaluated | generated | seconds |\n| --- | --- | --- | --- | --- | --- |"
    )
    for s in steps:
        print(
            f"| {s['step']} | {s['line']} | {s['event']} | {s['tokens_evaluated']} "
            f"| {s['tokens_generated']} | {s['seconds']:.2f} |"
        )
    session.close()
    world.close()


if __name__ == "__main__":
    main()
