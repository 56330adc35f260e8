"""Accuracy experiments for the default model: prompt and decoding variants, each
measured against the baseline on the same rows, in the same run, with one loaded model.

    .venv/bin/python scripts/eval_variants.py ../shared/bench/cruxeval-dev.jsonl \\
        --limit 20 --max-frames 30 --threads 1 --out eval-out/variants

Variants (``--variants`` picks some, comma-separated; ``baseline`` always runs first):

- ``baseline``: the defaults (generic format, constrained decoding, greedy, both paths).
- ``unconstrained``: the generic format without token-level constraints.
- ``free_values``: constrained frames, but values free text (no grammar of reprs).
- ``no_flow``: any line of the function may come next and any local may change
  (no LineFlow / LineEffects from the ast).
- ``no_return_locals``: the model also writes the value of ``return name``.
- ``no_immutable_reads``: a name a line only reads may change even when its value
  is immutable (``c`` at ``n += int(c == letter)``), as before that rule.
- ``fewshot_one``: only the first few-shot example (a loop), a shorter prompt.
- ``fewshot_crux``: few-shot examples in CRUXEval's style (string and list methods),
  traced for real by cwm_lsp's tracer when the script starts (not dev rows).
- ``sc3``: self-consistency, 3 samples per path (greedy + 2 at temperature 0.7), majority vote.
- ``direct_raw``: the direct baseline without the chat template.

The few-shot variants swap the generic format's few-shot prompt for the
duration of the variant (an experiment; the model room owns the format and
would take a winner as an option).  Writes ``variants.md`` and
``variants.json`` (one summary per variant) and each variant's ``rows.jsonl``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from cwm_lsp.evaluate.dataset import EvalRow, load_rows
from cwm_lsp.evaluate.report import RowWriter
from cwm_lsp.evaluate.runner import EvalOptions, RowResult, run_rows
from cwm_lsp.evaluate.session import EvalSession
from cwm_lsp.evaluate.summary import Summary, summarize
from cwm_lsp.model.api import ModelConfig
from cwm_lsp.trace.tracer import trace_call

#: CRUXEval-style few-shot functions (written for this script, not taken from the dataset).
CRUX_SOURCE = """\
def f(text, ch):
    parts = text.split(ch)
    out = []
    for p in parts:
        if p:
            out.append(p.upper())
    return '-'.join(out)


def g(nums):
    d = {}
    for n in nums:
        d[n] = d.get(n, 0) + 1
    nums.sort(reverse=True)
    return (nums, d)
"""
CRUX_CALLS = (("f", "'a,b,,c', ','"), ("g", "[2, 1, 2]"))


@dataclass(frozen=True)
class Variant:
    name: str
    description: str
    #: which paths it changes: "trace", "direct" or both
    paths: tuple[str, ...]
    options: Callable[[EvalOptions], EvalOptions] = lambda o: o
    setup: Callable[[Any], contextlib.AbstractContextManager[None]] | None = None


@contextlib.contextmanager
def unconstrained(model: Any) -> Iterator[None]:
    before = model.constrained
    model.constrained = False
    try:
        yield
    finally:
        model.constrained = before


@contextlib.contextmanager
def switched_off(model: Any, switch: str) -> Iterator[None]:
    """Turn one of the generic format's switches off for the duration of a variant."""
    before = getattr(model, switch)
    setattr(model, switch, False)
    try:
        yield
    finally:
        setattr(model, switch, before)


@contextlib.contextmanager
def fewshot(prompt: Callable[[], str]) -> Iterator[None]:
    from cwm_lsp.model import generic_format

    before = generic_format.fewshot_prompt
    generic_format.fewshot_prompt = prompt
    try:
        yield
    finally:
        generic_format.fewshot_prompt = before


def fewshot_one_prompt() -> str:
    from cwm_lsp.formats.fewshot import EXAMPLE_SOURCE, EXAMPLES
    from cwm_lsp.formats.generic_text import HEADER, numbered_listing, render_frames

    function, args, frames = EXAMPLES[0]
    return (
        f"{HEADER}\n### File\n{numbered_listing(EXAMPLE_SOURCE.splitlines())}"
        f"### Trace\n>>> {function}({args})\n{render_frames(frames)}"
    )


def crux_prompt() -> str:
    from cwm_lsp.formats.generic_text import HEADER, numbered_listing, render_frames

    parts = [HEADER, "\n### File\n", numbered_listing(CRUX_SOURCE.splitlines())]
    for function, args in CRUX_CALLS:
        trace = trace_call(source=CRUX_SOURCE, function=function, args=f"{function}({args})")
        parts.append(f"### Trace\n>>> {function}({args})\n{render_frames(trace.frames)}")
    return "".join(parts)


def _fixed(prompt: str) -> Callable[[], str]:
    return lambda: prompt


def variants() -> dict[str, Variant]:
    crux = crux_prompt()
    one = fewshot_one_prompt()
    found = [
        Variant("baseline", "defaults: generic format, constrained, greedy", ("trace", "direct")),
        Variant(
            "unconstrained",
            "generic format without token-level constraints",
            ("trace",),
            setup=unconstrained,
        ),
        Variant(
            "free_values",
            "values as free text instead of Python reprs",
            ("trace",),
            setup=lambda m: switched_off(m, "literal_values"),
        ),
        Variant(
            "no_flow",
            "any line may come next, any local may change (no flow from the ast)",
            ("trace",),
            setup=lambda m: switched_off(m, "line_flow"),
        ),
        Variant(
            "no_return_locals",
            "the model writes the value of `return name` too",
            ("trace",),
            setup=lambda m: switched_off(m, "return_locals"),
        ),
        Variant(
            "no_immutable_reads",
            "a name a line only reads may change even when its value is immutable",
            ("trace",),
            setup=lambda m: switched_off(m, "immutable_reads"),
        ),
        Variant(
            "fewshot_one",
            "only the first few-shot example (a loop)",
            ("trace",),
            setup=lambda _m: fewshot(_fixed(one)),
        ),
        Variant(
            "fewshot_crux",
            "CRUXEval-style few-shot examples (str/list/dict methods)",
            ("trace",),
            setup=lambda _m: fewshot(_fixed(crux)),
        ),
        Variant(
            "direct_raw",
            "direct prompt without the chat template",
            ("direct",),
            options=lambda o: replace(o, direct_chat=False),
        ),
        Variant(
            "sc3",
            "self-consistency: 3 samples, majority vote",
            ("trace", "direct"),
            options=lambda o: replace(o, samples=3),
        ),
    ]
    return {v.name: v for v in found}


def run_variant(
    variant: Variant,
    session: EvalSession,
    rows: list[EvalRow],
    base: EvalOptions,
    out: Path,
) -> tuple[list[RowResult], Summary, float]:
    options = replace(
        variant.options(base),
        trace_path="trace" in variant.paths,
        direct="direct" in variant.paths,
    )
    setup = variant.setup(session.model) if variant.setup else contextlib.nullcontext()
    started = time.perf_counter()
    with setup, RowWriter(out / variant.name) as writer:

        def on_row(result: RowResult) -> None:
            writer.write(result)
            print(
                f"  {variant.name} {result.row.id}: trace "
                f"{'-' if result.trace is None else int(result.trace.correct)} direct "
                f"{'-' if result.direct is None else int(result.direct.correct)}",
                file=sys.stderr,
                flush=True,
            )

        results = run_rows(session.model, session.complete, rows, options, on_row=on_row)
    seconds = time.perf_counter() - started
    return results, summarize(results, {"variant": variant.name}), seconds


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def _delta(value: float | None, base: float | None) -> str:
    if value is None or base is None:
        return "—"
    return f"{100 * (value - base):+.1f}"


def _next_state(summary: Summary) -> str:
    keys = {m.key for m in summary.metrics}
    if "next_frame" not in keys:
        return "—"
    frame = summary.metric("next_frame").trace
    value = summary.metric("next_value").trace
    return f"{_pct(frame)} / {_pct(value)}"


def table(done: list[tuple[Variant, Summary, float]], rows: int) -> str:
    base = done[0][1]
    lines = [
        f"Each variant on the same {rows} rows; Δ in percentage points against the baseline.",
        "",
        "| variant | what | output via trace | Δ | direct | Δ | exact match | frame acc. | value acc. "
        "| next-state frame / value acc. | s/row |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for variant, summary, seconds in done:
        out = summary.metric("output_accuracy")
        b = base.metric("output_accuracy")
        trace_on = "trace" in variant.paths
        direct_on = "direct" in variant.paths
        lines.append(
            f"| {variant.name} | {variant.description} "
            f"| {_pct(out.trace) if trace_on else '—'} | {_delta(out.trace, b.trace) if trace_on else '—'} "
            f"| {_pct(out.direct) if direct_on else '—'} | {_delta(out.direct, b.direct) if direct_on else '—'} "
            f"| {_pct(summary.metric('exact_match').trace) if trace_on else '—'} "
            f"| {_pct(summary.metric('frame_accuracy').trace) if trace_on else '—'} "
            f"| {_pct(summary.metric('value_accuracy').trace) if trace_on else '—'} "
            f"| {_next_state(summary)} "
            f"| {seconds / rows:.1f} |"
        )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset")
    parser.add_argument("--limit", type=int, default=20)
    parser.add_argument("--start", type=int, default=0)
    parser.add_argument("--max-frames", type=int, default=30)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--model")
    parser.add_argument("--variants", default="", help="comma-separated names (default: all)")
    parser.add_argument("--out", default="eval-out/variants")
    parser.add_argument(
        "--next-state",
        action="store_true",
        help="also score next-state accuracy (teacher forcing) in every variant",
    )
    args = parser.parse_args()

    known = variants()
    wanted = [n for n in args.variants.split(",") if n] or list(known)
    unknown = [n for n in wanted if n not in known]
    if unknown:
        print(
            f"unknown variants: {', '.join(unknown)} (known: {', '.join(known)})", file=sys.stderr
        )
        return 2
    chosen = [known["baseline"]] + [known[n] for n in wanted if n != "baseline"]
    rows = load_rows(args.dataset, limit=args.limit, start=args.start)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    session = EvalSession.open(ModelConfig(path=args.model, n_threads=args.threads))
    base = EvalOptions(max_frames=args.max_frames, next_state=args.next_state)
    done: list[tuple[Variant, Summary, float]] = []
    try:
        for variant in chosen:
            print(f"variant {variant.name}: {variant.description}", file=sys.stderr, flush=True)
            _, summary, seconds = run_variant(variant, session, rows, base, out)
            done.append((variant, summary, seconds))
            text = f"# Accuracy variants ({session.model_name})\n\n" + table(done, len(rows))
            (out / "variants.md").write_text(text, encoding="utf-8")
            (out / "variants.json").write_text(
                json.dumps({v.name: {"seconds": s, **m.to_json()} for v, m, s in done}, indent=2),
                encoding="utf-8",
            )
            print(text, flush=True)
    finally:
        session.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
