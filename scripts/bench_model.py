"""Benchmark the model room on one model, in one run.

Measures: raw llama.cpp decode tokens/s (plain greedy generate) and decode
tokens/s inside a trace session; for each of steps 1-50 the tokens
evaluated and the wall time; the step-50 / step-2 wall-time ratio; the
tokens per frame.  Prints a markdown table and writes JSON.

Raw decode is measured twice in the same run:

- at the session's own context: plain ``create_completion`` continuing the
  session's token history after step 1 and after the last step (measured
  once the run is over, so no step finds the cache moved under it), so
  the raw tokens are decoded at the same context positions as the
  session's (decode slows as the KV cache grows; the session should not be
  blamed for that).  The in-session ratio is against this figure.
- on a short prompt (``def fibonacci(n):``), the figure most benchmarks quote.

Each figure is the median of ``--repeat`` runs (default 3) of the whole
session in the same process, the KV cache emptied between runs, so one
preempted decode on a shared machine does not decide a ratio; the runs
produce the same frames (greedy decoding), which the script checks.  A
session settles each frame as it makes it, so step k evaluates frame k's
own tokens.

Throughput inside the session is given two ways: tokens the model
*generated* (sampled) per second, and every token llama.cpp *decoded* per
second (generated plus the forced ones: the line's source text, the
format's punctuation), both against raw decode, which decodes one generated
token per call.

The traced function (``--source``) decides which frames step 2 and step 50
are.  ``collatz`` (the default) is a ``while`` loop the model steps through
frame by frame.  ``letters`` is a loop of period 2 over single letters; since
the generic format reads a loop's items off the state, every other step there
is forced and costs nothing, which makes it a poor measure of decoding.  The
script also prints step k / step k-48 for the last three steps.

    .venv/bin/python scripts/bench_model.py [--model PATH] [--steps 50] [--threads 1] \
        [--source collatz|letters] [--out bench-model.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from typing import Any

from cwm_lsp.model import ModelConfig, load_model

SOURCES: dict[str, tuple[str, str, str]] = {
    "letters": (
        """\
def last_letter(text):
    last = ''
    for ch in text:
        last = ch
    return last
""",
        "last_letter",
        repr("abcdefghijklmnopqrstuvwxyz" * 2),
    ),
}

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
SOURCES["collatz"] = (COLLATZ, "collatz_steps", "27")


def raw_decode(world, n_tokens: int, prompt: str | list[int] | None = None) -> float:  # type: ignore[no-untyped-def]
    """Plain llama.cpp greedy generation, prompt already in the cache: tokens/s.

    ``prompt`` None: a short prompt from an empty cache; a token list: those
    tokens (a session's history), whose prefix the cache already holds.
    """
    llama = world.engine.llama
    if prompt is None:
        prompt = "def fibonacci(n):\n    "
        world.engine.clear()
    llama.create_completion(prompt, max_tokens=1, temperature=0.0)
    started = time.perf_counter()
    out = llama.create_completion(prompt, max_tokens=n_tokens, temperature=0.0)
    seconds = time.perf_counter() - started
    world.engine.used_outside()  # the high-level API moved the cache under the engine
    return int(out["usage"]["completion_tokens"]) / seconds


def one_run(world, source: str, function: str, call_args: str, n_steps: int, number: int):  # type: ignore[no-untyped-def]
    """One trace session from an empty cache: per-step figures, and raw decode at its context."""
    world.engine.clear()
    session = world.session(source, function, args=call_args, max_frames=n_steps + 5)
    t0 = time.perf_counter()
    session.reset()  # the prompt and the entry frame
    prompt_seconds = time.perf_counter() - t0
    prompt_evaluated = session.tokens_evaluated
    steps: list[dict[str, Any]] = []
    contexts: list[list[int]] = []
    for step in range(1, n_steps + 1):
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
                "step": step,
                "seconds": seconds,
                "tokens_evaluated": session.tokens_evaluated - evaluated,
                "tokens_generated": session.tokens_generated - generated,
                "frame_tokens": len(session.decoder.tokens) - history,
                "context": len(session.decoder.tokens),
                "line": frame.line,
                "event": frame.event,
            }
        )
        print(
            f"run {number} step {step}: {seconds:.2f}s evaluated {steps[-1]['tokens_evaluated']}",
            file=sys.stderr,
            flush=True,
        )
        if step == 1:
            contexts = [list(session.decoder.tokens)]
        if session.done:
            break
    contexts.append(list(session.decoder.tokens))
    parse_errors = session.parse_errors
    session.close()
    # Raw decode where the session started stepping and where it ended, measured
    # after the run so that no step finds the cache moved under it.
    raw_at = [raw_decode(world, 64, tokens) for tokens in contexts]
    return {
        "prompt_seconds": prompt_seconds,
        "prompt_evaluated": prompt_evaluated,
        "steps": steps,
        "raw_at": raw_at,
        "parse_errors": parse_errors,
    }


def median_steps(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per step: the first run's frame and counts, the median wall time over the runs."""
    n = min(len(r["steps"]) for r in runs)
    merged = []
    for i in range(n):
        first = dict(runs[0]["steps"][i])
        timings = [r["steps"][i]["seconds"] for r in runs]
        first["seconds_each_run"] = timings
        first["seconds"] = statistics.median(timings)
        first["same_frame_in_every_run"] = all(
            (r["steps"][i]["line"], r["steps"][i]["tokens_evaluated"])
            == (first["line"], first["tokens_evaluated"])
            for r in runs
        )
        merged.append(first)
    return merged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", help="GGUF path (default: the embedded default model)")
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--batch-threads", type=int, default=0, help="0: every CPU")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the session (median)")
    parser.add_argument("--source", choices=sorted(SOURCES), default="collatz")
    parser.add_argument("--out", default="bench-model.json")
    args = parser.parse_args()

    world = load_model(
        ModelConfig(path=args.model, n_threads=args.threads, n_threads_batch=args.batch_threads)
    )
    source, function, call_args = SOURCES[args.source]
    raw_short_each: list[float] = []
    runs = []
    started = time.perf_counter()
    for number in range(1, max(1, args.repeat) + 1):
        raw_short_each.append(raw_decode(world, 64))
        runs.append(one_run(world, source, function, call_args, args.steps, number))
    total = time.perf_counter() - started
    raw_short = statistics.median(raw_short_each)
    raw_at = [value for run in runs for value in run["raw_at"]]
    raw = statistics.median(raw_at)
    steps = median_steps(runs)
    later = steps[1:]
    gen_tokens = sum(s["tokens_generated"] for s in later)
    eval_tokens = sum(s["tokens_evaluated"] for s in later)
    gen_seconds = sum(s["seconds"] for s in later)
    in_session = gen_tokens / gen_seconds if gen_seconds else 0.0
    decoded = eval_tokens / gen_seconds if gen_seconds else 0.0
    last = steps[-1]
    ratio = last["seconds"] / steps[1]["seconds"] if len(steps) > 1 else float("nan")
    ratio_median = statistics.median(s["seconds"] for s in steps[-5:]) / statistics.median(
        s["seconds"] for s in steps[1:6]
    )
    # The last three steps against the steps 48 before them (same phase of the loop).
    pairs = [
        (s, steps[s["step"] - 49])
        for s in steps[-3:]
        if s["step"] - 49 >= 1 and s["step"] - 49 < len(steps)
    ]
    result = {
        "model": world.info.path,
        "format": world.info.format,
        "source": args.source,
        "repeat": len(runs),
        "raw_decode_tokens_per_s": raw,
        "raw_decode_at_session_context": raw_at,
        "raw_decode_short_prompt_tokens_per_s": raw_short,
        "raw_decode_short_prompt_each_run": raw_short_each,
        "prompt_tokens": runs[0]["prompt_evaluated"],
        "prompt_seconds_each_run": [r["prompt_seconds"] for r in runs],
        "session_context_tokens": [steps[0]["context"], last["context"]],
        "session_decode_tokens_per_s": in_session,
        "session_vs_raw": in_session / raw if raw else 0.0,
        "session_decoded_tokens_per_s": decoded,
        "session_decoded_vs_raw": decoded / raw if raw else 0.0,
        "steps": steps,
        "same_frames_in_every_run": all(s["same_frame_in_every_run"] for s in steps),
        "last_step": last["step"],
        "step_last_over_step2": ratio,
        "step_last5_over_step2_6_median": ratio_median,
        "step_k_over_step_k_minus_48": {
            f"{a['step']}/{b['step']}": a["seconds"] / b["seconds"] for a, b in pairs
        },
        "tokens_per_frame": statistics.mean(s["frame_tokens"] for s in later),
        "generated_tokens_per_frame": statistics.mean(s["tokens_generated"] for s in later),
        "parse_errors": sum(r["parse_errors"] for r in runs),
        "total_seconds": total,
    }
    with open(args.out, "w") as handle:
        json.dump(result, handle, indent=2)
    print(f"model: {world.info.path} ({world.info.format})\n")
    print(f"traced: {function}({call_args}), {len(runs)} runs, each figure the median\n")
    print("| metric | value |\n| --- | --- |")
    print(
        f"| raw llama.cpp decode at the session's context | {raw:.1f} tok/s "
        f"(each run after step 1 / after step {last['step']}: "
        + ", ".join(f"{v:.1f}" for v in raw_at)
        + ") |"
    )
    print(f"| raw llama.cpp decode, short prompt | {raw_short:.1f} tok/s |")
    print(
        f"| generated inside the session | {in_session:.1f} tok/s ({in_session / raw:.2f}x raw at "
        f"the same context, {in_session / raw_short:.2f}x short-prompt raw) |"
    )
    print(
        f"| decoded inside the session (generated + forced) | {decoded:.1f} tok/s "
        f"({decoded / raw:.2f}x raw at the same context) |"
    )
    print(
        f"| step {last['step']} / step 2 wall time | {last['seconds']:.2f} s / "
        f"{steps[1]['seconds']:.2f} s = {ratio:.2f} (lines {last['line']} / {steps[1]['line']}, "
        f"evaluated {last['tokens_evaluated']} / {steps[1]['tokens_evaluated']}) |"
    )
    for a, b in pairs:
        print(
            f"| step {a['step']} / step {b['step']} wall time | {a['seconds'] / b['seconds']:.2f} "
            f"(lines {a['line']} / {b['line']}, generated {a['tokens_generated']} / {b['tokens_generated']}) |"
        )
    print(f"| median(last 5) / median(steps 2-6) | {ratio_median:.2f} |")
    print(
        f"| tokens per frame (all / generated) | {result['tokens_per_frame']:.1f} / {result['generated_tokens_per_frame']:.1f} |"
    )
    print(
        f"| prompt (reset) | {result['prompt_tokens']} tokens, "
        f"{statistics.median(result['prompt_seconds_each_run']):.1f} s |"
    )
    print(f"| same frames in every run | {result['same_frames_in_every_run']} |")
    print(f"| parse errors | {result['parse_errors']} |\n")
    print(
        "| step | line | event | evaluated | generated | context | seconds (median) |\n"
        "| --- | --- | --- | --- | --- | --- | --- |"
    )
    for s in steps:
        print(
            f"| {s['step']} | {s['line']} | {s['event']} | {s['tokens_evaluated']} "
            f"| {s['tokens_generated']} | {s['context']} | {s['seconds']:.2f} |"
        )
    world.close()


if __name__ == "__main__":
    main()
