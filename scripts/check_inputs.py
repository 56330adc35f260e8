"""How often the inputs the model invents let the real function return (CRUXEval dev).

For each function of the data set (entry ``f``; the row's own input is
ignored) the model invents the inputs, exactly as the editor does when a
function has no ``# cwm:`` comment, doctest or call site: the session's entry
call frame, nothing imagined after it.  Then the function runs for real with
them (:func:`cwm_lsp.trace.tracer.trace_call`, a child process under
``sys.settrace``) and the outcome is counted:

- ``returned``: the real function returned normally (also when the real
  tracer stopped recording at its frame cap and the call then returned);
- ``raised``: it raised (a ``TypeError`` of a call that does not bind too);
- ``not bound``: the session refused the inputs (they do not bind to the
  signature) or the model gave none: nothing would be shown;
- ``timeout`` / ``crash`` / ``unparsable``: the real run did not finish, or
  the args text could not be parsed for the real run.

Only the script runs the functions: this is the evaluation, where running
is allowed; the editor never does.  It uses only ``load_model``,
``WorldModel.session`` and ``trace_call``, so it also measures an older
checkout of the package (``PYTHONPATH=/tmp/worktree``).  One JSON line per
row as it goes; rows already in ``--out`` are skipped (resumable); a summary
at the end.  ``--summary FILE ...`` only tallies earlier outputs.

    nice -n 10 .venv/bin/python scripts/check_inputs.py --out /tmp/inputs-after.jsonl \
        --threads 1 --batch-threads 1 [--start K] [--limit N]
    .venv/bin/python scripts/check_inputs.py --summary /tmp/inputs-before.jsonl
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
import time
from pathlib import Path
from typing import Any

DEFAULT_DATA = (
    Path(__file__).resolve().parent.parent.parent / "shared" / "bench" / "cruxeval-dev.jsonl"
)
#: outcomes in the order the summary lists them
OUTCOMES = ("returned", "raised", "not bound", "timeout", "crash", "unparsable")


def real_outcome(source: str, args: str, timeout: float) -> tuple[str, str]:
    """(outcome, error) of running ``f(args)`` for real."""
    from cwm_lsp.trace import EndReason
    from cwm_lsp.trace.tracer import TraceInputError, trace_call

    try:
        trace = trace_call(source, function="f", args=args, timeout=timeout)
    except TraceInputError as exc:
        return "unparsable", str(exc)
    if trace.reason is EndReason.RETURNED:
        return "returned", ""
    if trace.reason is EndReason.FRAME_CAP:
        return ("returned" if trace.error.endswith("returned") else "raised"), trace.error
    if trace.reason is EndReason.RAISED:
        return "raised", trace.error
    return trace.reason.value, trace.error


def tally(records: list[dict[str, Any]]) -> dict[str, Any]:
    counts = collections.Counter(str(r["outcome"]) for r in records)
    total = len(records)
    return {
        "rows": total,
        **{name: counts.get(name, 0) for name in OUTCOMES},
        "returned_fraction": round(counts.get("returned", 0) / total, 3) if total else 0.0,
        "kept defaults": sum(
            1 for r in records if "default" in dict(r.get("origins") or {}).values()
        ),
    }


def read_records(paths: list[str]) -> list[dict[str, Any]]:
    by_id: dict[str, dict[str, Any]] = {}
    for path in paths:
        if not Path(path).is_file():
            continue
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                by_id[record["id"]] = record
    return list(by_id.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default=str(DEFAULT_DATA))
    parser.add_argument("--model")
    parser.add_argument("--start", type=int, default=0, help="first row (for shards)")
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--out", default="check-inputs.jsonl")
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--batch-threads", type=int, default=0, help="0: every CPU")
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds per real run")
    parser.add_argument("--summary", nargs="+", metavar="INPUTS.jsonl")
    args = parser.parse_args()

    if args.summary:
        print(json.dumps(tally(read_records(args.summary)), indent=2))
        return

    from cwm_lsp.model import ModelConfig, load_model

    text = Path(args.data).read_text(encoding="utf-8")
    rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    rows = rows[args.start :]
    if args.limit:
        rows = rows[: args.limit]
    done = {r["id"] for r in read_records([args.out])}
    world = load_model(
        ModelConfig(path=args.model, n_threads=args.threads, n_threads_batch=args.batch_threads)
    )
    started = time.perf_counter()
    with open(args.out, "a", encoding="utf-8") as out:
        for row in rows:
            if row["id"] in done:
                continue
            source = row["code"]
            began = time.perf_counter()
            session = world.session(source, "f", args=None, max_frames=1)
            session.reset()
            invented = session.args
            bound = bool(session.frames)
            session.close()
            seconds = time.perf_counter() - began
            outcome, error = ("not bound", session.error) if not bound else ("", "")
            if bound:
                outcome, error = real_outcome(source, invented, args.timeout)
            record = {
                "id": row["id"],
                "args": invented,
                "origins": dict(getattr(session.fmt, "origins", {})),
                "bound": bound,
                "outcome": outcome,
                "error": error[:200],
                "seconds": round(seconds, 2),
            }
            print(json.dumps(record), file=sys.stderr, flush=True)
            out.write(json.dumps(record) + "\n")
            out.flush()
    summary = tally(read_records([args.out]))
    print(json.dumps({**summary, "seconds": round(time.perf_counter() - started)}, indent=2))


if __name__ == "__main__":
    main()
