"""How often "may not terminate" is said, and on what evidence (issue #20 item 4).

Two sets of functions (entry ``f``, inputs = the row's ``input``):

* ``--set dev``: the 200 CRUXEval dev rows. They all terminate, so every warning
  is a false one.
* ``--set endless``: the functions of ``tests/analysis/endless.py``, none of
  which terminates; the fraction warned is the recall.

Without ``--model`` it reports the static rule alone
(:func:`cwm_lsp.model.termination.termination_evidence` on the source): how many
functions it warns about.  With ``--model [PATH]`` (no path: the default model)
the model also imagines each run (at most ``--max-frames`` frames; the session
stops at a cycle) and a JSON line per function is appended to ``--out`` as it
goes: the static evidence, the end reason, the frames.  Rows already in
``--out`` are skipped, so a run can be cut and resumed, or sharded with
``--start``/``--limit`` into several files, merged by ``--report-only A B ...``.
The summary gives the end reasons, the warnings a cycle adds, what the old rule
(warn at the frame cap) would have said, and for the endless set the recall of
the static rule alone and with cycles.

    .venv/bin/python scripts/check_termination.py                      # static, dev
    .venv/bin/python scripts/check_termination.py --set endless --model --out /tmp/endless.jsonl
    nice -n 10 .venv/bin/python scripts/check_termination.py --model --threads 1 \\
        --batch-threads 1 --start 0 --limit 100 --out /tmp/termination-200.jsonl
    .venv/bin/python scripts/check_termination.py --report-only /tmp/termination-200.jsonl
"""

from __future__ import annotations

import argparse
import collections
import importlib.util
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT.parent / "shared" / "bench" / "cruxeval-dev.jsonl"
ENDLESS = ROOT / "tests" / "analysis" / "endless.py"


def load_rows(which: str) -> list[dict[str, Any]]:
    if which == "dev":
        lines = DEV.read_text(encoding="utf-8").splitlines()
        return [{**json.loads(line), "set": "dev"} for line in lines if line.strip()]
    spec = importlib.util.spec_from_file_location("endless", ENDLESS)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return [{**dict(case), "set": "endless"} for case in module.ENDLESS]


def static_record(row: dict[str, Any]) -> dict[str, Any]:
    from cwm_lsp.model.termination import termination_evidence

    evidence = termination_evidence(row["code"], "f")
    return {
        "id": row["id"],
        "set": row["set"],
        "seen_by": row.get("seen_by"),
        "static": [{"kind": e.kind, "line": e.line} for e in evidence],
    }


def read_records(paths: list[str]) -> list[dict[str, Any]]:
    """The JSON lines of earlier runs; a row in a later file replaces the same row."""
    by_id: dict[str, dict[str, Any]] = {}
    for path in paths:
        if Path(path).is_file():
            for line in Path(path).read_text(encoding="utf-8").splitlines():
                if line.strip():
                    record = json.loads(line)
                    by_id[record["id"]] = record
    return list(by_id.values())


def summary(records: list[dict[str, Any]]) -> dict[str, Any]:
    n = len(records)
    static = sum(bool(r["static"]) for r in records)
    out: dict[str, Any] = {"functions": n, "static warnings": static}
    imagined = [r for r in records if "reason" in r]
    if imagined:
        reasons = collections.Counter(r["reason"] for r in imagined)
        cycles = sum(r["reason"] == "cycle" for r in imagined)
        warned = sum(bool(r["static"]) or r["reason"] == "cycle" for r in imagined)
        out["imagined"] = len(imagined)
        out["end reasons"] = dict(reasons)
        out["cycle warnings"] = cycles
        out["warnings (static or cycle)"] = warned
        out["old rule: frame-cap warnings"] = reasons.get("frame cap", 0)
        out["frames"] = sum(r["frames"] for r in imagined)
        out["seconds"] = round(sum(r["seconds"] for r in imagined), 1)
    if n and all(r["set"] == "endless" for r in records):
        out["recall, static"] = round(static / n, 3)
        if imagined and len(imagined) == n:
            out["recall, static + cycle"] = round(out["warnings (static or cycle)"] / n, 3)
        by_kind: dict[str, dict[str, int]] = {}
        for r in records:
            kind = by_kind.setdefault(str(r["seen_by"]), {"functions": 0, "warned": 0})
            kind["functions"] += 1
            kind["warned"] += int(bool(r["static"]) or r.get("reason") == "cycle")
        out["by what can tell"] = by_kind
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--set", choices=["dev", "endless"], default="dev")
    parser.add_argument("--model", nargs="?", const="", default=None, metavar="PATH")
    parser.add_argument("--max-frames", type=int, default=200)
    parser.add_argument("--start", type=int, default=0, help="first row (for shards)")
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--out", default="check-termination.jsonl")
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--batch-threads", type=int, default=0, help="0: every CPU")
    parser.add_argument("--report-only", nargs="+", metavar="OUT.jsonl")
    args = parser.parse_args()

    if args.report_only:
        print(json.dumps(summary(read_records(args.report_only)), indent=2))
        return
    rows = load_rows(args.set)[args.start :]
    rows = rows[: args.limit] if args.limit else rows
    if args.model is None:
        print(json.dumps(summary([static_record(row) for row in rows]), indent=2))
        return

    from cwm_lsp.model import ModelConfig, load_model

    done = {r["id"] for r in read_records([args.out])}
    todo = [row for row in rows if row["id"] not in done]
    print(f"{len(done)} rows already in {args.out}, {len(todo)} to run", file=sys.stderr)
    world = load_model(
        ModelConfig(
            path=args.model or None, n_threads=args.threads, n_threads_batch=args.batch_threads
        )
    )
    started = time.perf_counter()
    with open(args.out, "a", encoding="utf-8") as out:
        for row in todo:
            imagined = world.imagine(row["code"], "f", row["input"], max_frames=args.max_frames)
            trace = imagined.trace
            record = {
                **static_record(row),
                "reason": trace.reason.value,
                "frames": len(trace.frames),
                "error": trace.error,
                "seconds": round(imagined.seconds, 2),
            }
            print(json.dumps(record), file=sys.stderr, flush=True)
            out.write(json.dumps(record) + "\n")
            out.flush()
    wanted = {row["id"] for row in rows}
    records = [r for r in read_records([args.out]) if r["id"] in wanted]
    print(json.dumps({**summary(records), "wall": time.perf_counter() - started}, indent=2))


if __name__ == "__main__":
    main()
