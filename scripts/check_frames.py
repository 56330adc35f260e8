"""Check that every imagined frame parses and maps to a real source line (CRUXEval dev).

For each function (entry ``f``, inputs = the row's ``input``) the model
imagines a trace (at most --max-frames frames); counted: frames, frames on a
line of the file whose text matches, frames that did not parse
(``Trace.parse_errors``), end reasons.  Writes one JSON line per function as
it goes, then a summary.

    .venv/bin/python scripts/check_frames.py --max-frames 40 [--limit N] [--out check-frames.jsonl]
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
import time
from pathlib import Path

from cwm_lsp.model import ModelConfig, load_model

DEFAULT_DATA = (
    Path(__file__).resolve().parent.parent.parent / "shared" / "bench" / "cruxeval-dev.jsonl"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default=str(DEFAULT_DATA))
    parser.add_argument("--model")
    parser.add_argument("--max-frames", type=int, default=40)
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--out", default="check-frames.jsonl")
    parser.add_argument("--threads", type=int, default=0)
    args = parser.parse_args()

    text = Path(args.data).read_text(encoding="utf-8")
    rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    if args.limit:
        rows = rows[: args.limit]
    world = load_model(ModelConfig(path=args.model, n_threads=args.threads))
    totals: collections.Counter[str] = collections.Counter()
    reasons: collections.Counter[str] = collections.Counter()
    started = time.perf_counter()
    with open(args.out, "w", encoding="utf-8") as out:
        for row in rows:
            source = row["code"]
            lines = source.splitlines()
            imagined = world.imagine(source, "f", row["input"], max_frames=args.max_frames)
            trace = imagined.trace
            mapped = sum(
                1
                for f in trace.frames
                if 1 <= f.line <= len(lines) and lines[f.line - 1].rstrip() == f.source.rstrip()
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
            totals["functions"] += 1
            totals["frames"] += record["frames"]
            totals["mapped"] += mapped
            totals["parse_errors"] += trace.parse_errors
            totals["correct_output"] += int(trace.return_value == row.get("output"))
            reasons[trace.reason.value] += 1
    print(
        json.dumps(
            {**totals, "reasons": dict(reasons), "seconds": time.perf_counter() - started}, indent=2
        )
    )


if __name__ == "__main__":
    main()
