"""Check that every imagined frame parses and maps to a real source line (CRUXEval dev).

For each function (entry ``f``, inputs = the row's ``input``) the model
imagines a trace (at most --max-frames frames); counted: frames, frames on a
line of the file whose text matches, frames that did not parse
(``Trace.parse_errors``), end reasons.  Writes one JSON line per function as
it goes, then a summary.

``--from-eval`` counts the same from the imagined traces an evaluation run
already wrote (``cwm-lsp eval --out DIR`` writes ``DIR/rows.jsonl``; several
files for a run made in shards), without loading the model again.
``--from-check`` merges the JSON lines of earlier runs of this script (shards,
or rows re-run after a change); a row in a later file replaces the same row
in an earlier one.

    .venv/bin/python scripts/check_frames.py --max-frames 40 [--start K] [--limit N] [--ids ID ...] \
        [--out check-frames.jsonl]
    .venv/bin/python scripts/check_frames.py --from-eval eval-out/full-200/rows.jsonl
    .venv/bin/python scripts/check_frames.py --from-check shard-a.jsonl shard-b.jsonl rerun.jsonl
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


def mapped_frames(source: str, frames: list[dict[str, Any]]) -> int:
    """Frames whose line exists in ``source`` and whose text is that line's."""
    lines = source.splitlines()
    return sum(
        1
        for f in frames
        if 1 <= f["line"] <= len(lines)
        and lines[f["line"] - 1].rstrip() == str(f["source"]).rstrip()
    )


def from_eval(paths: list[str]) -> list[dict[str, Any]]:
    records = []
    for path in paths:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            imagined = row.get("imagined") or {}
            frames = imagined.get("frames") or []
            records.append(
                {
                    "id": row["id"],
                    "frames": len(frames),
                    "mapped": mapped_frames(row["code"], frames),
                    "parse_errors": int(imagined.get("parse_errors") or 0),
                    "reason": imagined.get("reason", "missing"),
                    "error": imagined.get("error", ""),
                    "correct_output": bool((row.get("trace") or {}).get("correct")),
                }
            )
    return records


def from_check(paths: list[str]) -> list[dict[str, Any]]:
    by_id: dict[str, dict[str, Any]] = {}
    for path in paths:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                record["correct_output"] = record.get("return_value") == record.get("expected")
                by_id[record["id"]] = record
    return list(by_id.values())


def tally(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Totals over per-function records, with the end reasons counted."""
    totals: collections.Counter[str] = collections.Counter()
    reasons: collections.Counter[str] = collections.Counter()
    for record in records:
        totals["functions"] += 1
        for key in ("frames", "mapped", "parse_errors"):
            totals[key] += record[key]
        totals["correct_output"] += int(record["correct_output"])
        reasons[record["reason"]] += 1
    return {**totals, "reasons": dict(reasons)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default=str(DEFAULT_DATA))
    parser.add_argument("--model")
    parser.add_argument("--max-frames", type=int, default=40)
    parser.add_argument("--start", type=int, default=0, help="first row (for shards)")
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--ids", nargs="+", metavar="ID", help="only these rows (by id)")
    parser.add_argument("--out", default="check-frames.jsonl")
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--batch-threads", type=int, default=0, help="0: every CPU")
    parser.add_argument("--from-eval", nargs="+", metavar="ROWS.jsonl")
    parser.add_argument("--from-check", nargs="+", metavar="CHECK.jsonl")
    args = parser.parse_args()

    started = time.perf_counter()
    if args.from_eval or args.from_check:
        records = from_eval(args.from_eval) if args.from_eval else from_check(args.from_check)
        print(json.dumps(tally(records), indent=2))
        return

    from cwm_lsp.model import ModelConfig, load_model

    text = Path(args.data).read_text(encoding="utf-8")
    rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    rows = rows[args.start :]
    if args.limit:
        rows = rows[: args.limit]
    if args.ids:
        wanted = set(args.ids)
        rows = [row for row in rows if row["id"] in wanted]
    world = load_model(
        ModelConfig(path=args.model, n_threads=args.threads, n_threads_batch=args.batch_threads)
    )
    records = []
    with open(args.out, "w", encoding="utf-8") as out:
        for row in rows:
            source = row["code"]
            imagined = world.imagine(source, "f", row["input"], max_frames=args.max_frames)
            trace = imagined.trace
            mapped = mapped_frames(
                source, [{"line": f.line, "source": f.source} for f in trace.frames]
            )
            record = {
                "id": row["id"],
                "frames": len(trace.frames),
                "mapped": mapped,
                "parse_errors": trace.parse_errors,
                "reason": trace.reason.value,
                "error": trace.error,
                "seconds": round(imagined.seconds, 2),
                "return_value": trace.return_value,
                "expected": row.get("output"),
            }
            print(json.dumps(record), file=sys.stderr, flush=True)
            out.write(json.dumps(record) + "\n")
            out.flush()
            records.append(
                {**record, "correct_output": record["return_value"] == record["expected"]}
            )
    print(json.dumps({**tally(records), "seconds": time.perf_counter() - started}, indent=2))


if __name__ == "__main__":
    main()
