"""``cwm-lsp eval DATASET.jsonl``: how closely imagined execution matches reality.

For each CRUXEval-format row (``code``, ``input``, ``output``, ``id``; entry
function ``f``) the row is traced for real and imagined by the model, and the
same model is asked for the output directly (the baseline).  Writes
``rows.jsonl``, ``summary.json``, ``summary.md`` and PNG plots to ``--out``.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

from cwm_lsp.model.api import ModelConfig

EXIT_BAD_INPUT = 2
DEFAULT_OUT = "eval-out"
DEFAULT_MAX_FRAMES = 100

log = logging.getLogger(__name__)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "eval",
        help="evaluate imagined traces against real ones on a CRUXEval-format dataset",
        description="Trace each row for real and imagine it with the model; score the "
        "imagined trace and compare with the model's direct answer (no trace).",
    )
    parser.add_argument("dataset", metavar="DATASET.jsonl", help="CRUXEval-format JSON lines")
    parser.add_argument(
        "--model",
        metavar="PATH",
        help="GGUF model (default: CWM_LSP_MODEL, else the embedded default)",
    )
    parser.add_argument(
        "--adapter",
        metavar="PATH",
        help="a GGUF LoRA adapter ('none': no adapter; default: the default model's shipped "
        "one, if any)",
    )
    parser.add_argument(
        "--endpoint",
        metavar="URL",
        help="a server that hosts the model (llama-server; else CWM_LSP_ENDPOINT)",
    )
    parser.add_argument(
        "--limit", type=int, metavar="N", help="only the first N rows (after --start)"
    )
    parser.add_argument("--start", type=int, default=0, metavar="I", help="skip the first I rows")
    parser.add_argument(
        "--samples",
        type=int,
        default=1,
        metavar="K",
        help="self-consistency: K samples per path, majority vote (default 1: greedy)",
    )
    parser.add_argument(
        "--sample-temperature",
        type=float,
        default=0.7,
        metavar="T",
        help="temperature of samples after the first (default %(default)s)",
    )
    parser.add_argument(
        "--max-frames",
        type=int,
        default=DEFAULT_MAX_FRAMES,
        metavar="N",
        help="frame cap of imagined traces (default %(default)s)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="wall-clock limit of each real trace (default %(default)s)",
    )
    parser.add_argument(
        "--out", default=DEFAULT_OUT, metavar="DIR", help="output directory (default %(default)s)"
    )
    parser.add_argument("--no-direct", action="store_true", help="skip the direct-answer baseline")
    parser.add_argument(
        "--no-trace", action="store_true", help="skip the imagined traces (baseline only)"
    )
    parser.add_argument(
        "--no-next-state",
        action="store_true",
        help="skip next-state accuracy (the model predicting each real frame from the real "
        "frames before it)",
    )
    parser.add_argument(
        "--raw-direct", action="store_true", help="direct prompt without the chat template"
    )
    parser.add_argument("--no-plots", action="store_true", help="do not draw PNG plots")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    parser.add_argument(
        "--threads", type=int, default=0, metavar="N", help="CPU threads (0: one per core)"
    )
    parser.add_argument(
        "--batch-threads",
        type=int,
        default=0,
        metavar="N",
        help="CPU threads for batches, the prompt and forced tokens (0: every CPU; "
        "1 when shards run side by side)",
    )
    parser.add_argument(
        "--n-ctx", type=int, default=4096, metavar="N", help="context size (default %(default)s)"
    )
    parser.add_argument(
        "--gpu-layers",
        type=int,
        default=-1,
        metavar="N",
        help="layers offloaded to the GPU (-1: all)",
    )
    switches = parser.add_argument_group(
        "decoding switches",
        "generic (non-CWM) models only; each turns off one aid of constrained decoding, "
        "for comparisons",
    )
    switches.add_argument(
        "--free-values",
        action="store_true",
        help="values are any single line with balanced quotes and brackets, "
        "not decoded under the grammar of Python reprs",
    )
    switches.add_argument(
        "--no-flow",
        action="store_true",
        help="any line of the function may come next and any local may change, "
        "not only the lines that can run next and the locals the line can change",
    )
    switches.add_argument(
        "--no-return-locals",
        action="store_true",
        help="the model writes the value of `return name`, "
        "instead of it being the local's current value",
    )
    parser.add_argument("--title", default="cwm-lsp eval", help="title of summary.md")
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="no model: rewrite summary and plots from DIR/rows.jsonl of an earlier (or interrupted) run",
    )
    parser.set_defaults(func=run)


def model_config(args: argparse.Namespace) -> ModelConfig:
    """The model the evaluation loads, from the command line."""
    return ModelConfig(
        path=args.model,
        n_ctx=args.n_ctx,
        n_threads=args.threads,
        n_threads_batch=args.batch_threads,
        n_gpu_layers=args.gpu_layers,
        value_grammar=not args.free_values,
        line_flow=not args.no_flow,
        return_locals=not args.no_return_locals,
        adapter=_adapter(getattr(args, "adapter", None)),
        endpoint=getattr(args, "endpoint", None) or None,
    )


def _adapter(value: str | None) -> str | None:
    """``--adapter``: absent = automatic (None), ``none`` = no adapter (``""``), else the path."""
    if value is None:
        return None
    return "" if value.strip().lower() == "none" else value


def decoding_switches(args: argparse.Namespace) -> str:
    """Which decoding switches were on, for the summary: ``value grammar on, ...``."""
    switches = (
        ("value grammar", not args.free_values),
        ("line flow", not args.no_flow),
        ("return locals", not args.no_return_locals),
    )
    return ", ".join(f"{name} {'on' if on else 'off'}" for name, on in switches)


def _fail(message: str) -> int:
    sys.stderr.write(f"cwm-lsp eval: {message}\n")
    return EXIT_BAD_INPUT


def _check(args: argparse.Namespace) -> str | None:
    if args.limit is not None and args.limit < 1:
        return f"--limit must be at least 1, not {args.limit}"
    if args.start < 0:
        return f"--start must not be negative, not {args.start}"
    if args.samples < 1:
        return f"--samples must be at least 1, not {args.samples}"
    if args.max_frames < 1:
        return f"--max-frames must be at least 1, not {args.max_frames}"
    if args.timeout <= 0:
        return f"--timeout must be positive, not {args.timeout}"
    if args.no_trace and args.no_direct and args.no_next_state:
        return "--no-trace, --no-direct and --no-next-state leave nothing to evaluate"
    return None


def run(args: argparse.Namespace) -> int:
    problem = _check(args)
    if problem:
        return _fail(problem)
    if args.report_only:
        return _report_only(args)
    from cwm_lsp.evaluate.dataset import DatasetError, load_rows

    try:
        rows = load_rows(args.dataset, limit=args.limit, start=args.start)
    except DatasetError as exc:
        return _fail(str(exc))
    if not rows:
        return _fail(f"no rows left after --start {args.start}")

    from cwm_lsp.evaluate.session import EvalSession, EvalSetupError

    try:
        session = EvalSession.open(model_config(args))
    except EvalSetupError as exc:
        return _fail(str(exc))
    try:
        return _evaluate(args, session, rows)
    finally:
        session.close()


def _evaluate(args: argparse.Namespace, session: Any, rows: list[Any]) -> int:
    from cwm_lsp.evaluate.plots import write_plots
    from cwm_lsp.evaluate.progress import RowProgress
    from cwm_lsp.evaluate.report import RowWriter, write_summary
    from cwm_lsp.evaluate.runner import EvalOptions, run_rows
    from cwm_lsp.evaluate.summary import summarize

    options = EvalOptions(
        max_frames=args.max_frames,
        samples=args.samples,
        sample_temperature=args.sample_temperature,
        tracer_timeout=args.timeout,
        trace_path=not args.no_trace,
        next_state=not args.no_next_state,
        direct=not args.no_direct and session.complete is not None,
        direct_chat=not args.raw_direct,
    )
    if not args.no_direct and session.complete is None:
        sys.stderr.write(f"cwm-lsp eval: no direct baseline: {session.no_complete_reason}\n")
    out_dir = Path(args.out)
    started = time.perf_counter()
    with RowWriter(out_dir) as writer, RowProgress(len(rows), enabled=not args.no_progress) as bar:

        def on_row(result: Any) -> None:
            writer.write(result)
            bar.update(result)

        def on_direct(row: Any, answer: Any) -> None:
            writer.write_direct(row, answer)
            bar.direct(row, answer)

        results = run_rows(
            session.model, session.complete, rows, options, on_row=on_row, on_direct=on_direct
        )
    elapsed = time.perf_counter() - started
    info = {
        "dataset": str(args.dataset),
        "rows": f"{args.start}..{args.start + len(rows)}",
        "model": session.model_name,
        "samples": options.samples,
        "max_frames": options.max_frames,
        "direct prompt": "chat" if options.direct_chat else "raw",
        "wall seconds": round(elapsed, 1),
        "model load seconds": round(session.load_seconds, 1),
        "threads": args.threads or "one per core",
        "batch threads": args.batch_threads or "every CPU",
        "decoding switches (generic models)": decoding_switches(args),
        "date": time.strftime("%Y-%m-%d %H:%M"),
    }
    summary = summarize(results, info)
    written = write_summary(summary, out_dir, args.title)
    if not args.no_plots:
        written += write_plots(results, summary, out_dir)
    sys.stderr.write(
        f"cwm-lsp eval: {len(results)} rows in {elapsed:.0f} s; output correct: trace "
        f"{summary.trace_correct[0]}/{summary.trace_correct[1]}, direct "
        f"{summary.direct_correct[0]}/{summary.direct_correct[1]}; wrote {out_dir}\n"
    )
    return 0


def _report_only(args: argparse.Namespace) -> int:
    from cwm_lsp.evaluate.plots import write_plots
    from cwm_lsp.evaluate.report import DIRECT_FILE, ROWS_FILE, read_rows, write_summary
    from cwm_lsp.evaluate.summary import summarize

    out_dir = Path(args.out)
    rows_path = out_dir / ROWS_FILE
    if not rows_path.is_file():
        return _fail(f"no {rows_path} to report on")
    results = read_rows(rows_path)
    if not results:
        return _fail(f"{rows_path} holds no rows")
    info: dict[str, Any] = {
        "dataset": str(args.dataset),
        "rows": len(results),
        "from": str(rows_path),
    }
    direct_path = out_dir / DIRECT_FILE
    if direct_path.is_file():
        lines = direct_path.read_text(encoding="utf-8").splitlines()
        answers = [json.loads(line) for line in lines if line.strip()]
        if len(answers) > len(results):
            right = sum(1 for a in answers if a.get("correct"))
            info["direct baseline on every row of direct.jsonl"] = (
                f"{right}/{len(answers)} ({100 * right / len(answers):.1f}%)"
            )
    summary = summarize(results, info)
    write_summary(summary, out_dir, args.title)
    if not args.no_plots:
        write_plots(results, summary, out_dir)
    sys.stderr.write(f"cwm-lsp eval: reported {len(results)} rows from {rows_path}\n")
    return 0
