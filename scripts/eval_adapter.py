"""Base model against base + adapter on the same rows, in one resumable run.

Runs ``cwm-lsp eval`` in chunks of rows for two variants, ``base``
(``--adapter none``) and ``tuned`` (``--adapter PATH``), interleaved chunk by
chunk so both see the same machine, the same code and the same rows; with
``--parallel 2`` two chunks run side by side (one thread each), so the
seconds per row compare fairly too.  A chunk whose ``summary.json`` exists is
skipped: kill it and run the same command again to go on.  When every chunk of
a variant is there (or with ``--report``), its rows are joined into
``OUT/<variant>/all`` and summarised (``cwm-lsp eval --report-only``), and
``OUT/comparison.md`` / ``comparison.json`` put the two side by side.

    .venv/bin/python scripts/eval_adapter.py ../shared/bench/cruxeval-dev.jsonl \\
        --adapter runs/train/lora-a/adapter.gguf --out runs/eval-tuned --parallel 2

``--only base`` runs one variant (the base can start while the adapter trains).
Extra ``cwm-lsp eval`` arguments go after ``--`` (``-- --no-next-state``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from cwm_lsp.evaluate.report import format_value

VARIANTS = ("base", "tuned")
#: metrics where lower is better (the comparison says which way is a win)
LOWER_IS_BETTER = {"first_divergence", "parse_errors", "frame_cap", "seconds", "ece", "ece_raw"}
EVAL = [sys.executable, "-m", "cwm_lsp", "eval"]


def _count_rows(dataset: Path) -> int:
    with dataset.open(encoding="utf-8") as handle:
        return sum(1 for line in handle if line.strip())


def _chunk_dir(out: Path, variant: str, start: int) -> Path:
    return out / variant / f"part-{start:03d}"


def _variant_args(variant: str, adapter: str) -> list[str]:
    return ["--adapter", "none" if variant == "base" else adapter]


def _run_chunk(
    dataset: Path, out: Path, variant: str, start: int, chunk: int, adapter: str, extra: list[str]
) -> tuple[str, int, int, float]:
    target = _chunk_dir(out, variant, start)
    target.mkdir(parents=True, exist_ok=True)
    if not _claim(target):
        return variant, start, -1, 0.0
    command = [
        *EVAL,
        str(dataset),
        *_variant_args(variant, adapter),
        "--start",
        str(start),
        "--limit",
        str(chunk),
        "--threads",
        "1",
        "--batch-threads",
        "1",
        "--no-plots",
        "--no-progress",
        "--out",
        str(target),
        *extra,
    ]
    started = time.perf_counter()
    with (target / "log.txt").open("w", encoding="utf-8") as log:
        code = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, check=False).returncode
    return variant, start, code, time.perf_counter() - started


def _claim(target: Path) -> bool:
    """Take the chunk for this process (False: another live runner has it), so several
    runners of the same command share the chunks."""
    claim = target / "claimed.pid"
    try:
        owner = int(claim.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        owner = 0
    if owner and owner != os.getpid():
        try:
            os.kill(owner, 0)
            return False
        except OSError:
            pass  # a runner that died: its chunk is free again
    claim.write_text(str(os.getpid()), encoding="utf-8")
    return True


def _join(dataset: Path, out: Path, variant: str, starts: list[int], title: str) -> dict[str, Any]:
    joined = out / variant / "all"
    joined.mkdir(parents=True, exist_ok=True)
    with (joined / "rows.jsonl").open("w", encoding="utf-8") as rows:
        for start in starts:
            part = _chunk_dir(out, variant, start) / "rows.jsonl"
            if part.is_file():
                rows.write(part.read_text(encoding="utf-8"))
    subprocess.run(
        [*EVAL, str(dataset), "--report-only", "--out", str(joined), "--title", title],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    summary: dict[str, Any] = json.loads((joined / "summary.json").read_text(encoding="utf-8"))
    return summary


def _comparison(summaries: dict[str, dict[str, Any]], adapter: str) -> tuple[str, dict[str, Any]]:
    base, tuned = summaries["base"], summaries["tuned"]
    lines = [
        "# Base model and trace-tuned adapter, same rows, same run",
        "",
        f"- adapter: `{adapter}`",
        f"- rows: base {base['rows']}, tuned {tuned['rows']}",
        "- variants: base `--adapter none` (the untuned model, the few-shot prompt); tuned "
        "`--adapter` the file above (the prompt the adapter records)",
        "",
        "| metric | path | base | tuned | Δ | better |",
        "| --- | --- | ---: | ---: | ---: | --- |",
    ]
    table: dict[str, Any] = {}
    for key, metric in base["metrics"].items():
        other = tuned["metrics"].get(key)
        if other is None:
            continue
        for path in ("trace", "direct"):
            b, t = metric.get(path), other.get(path)
            if b is None and t is None:
                continue
            kind = metric.get("kind", "number")
            delta = None if b is None or t is None else t - b
            if delta is None or abs(delta) < 1e-12:
                better = ""
            else:
                better = "tuned" if (delta < 0) == (key in LOWER_IS_BETTER) else "base"
            shown = "—" if delta is None else format_value(delta, kind).replace("%", " pp")
            if delta is not None and delta > 0:
                shown = "+" + shown
            lines.append(
                f"| {metric['label']} | {path} | {format_value(b, kind)} | {format_value(t, kind)} | "
                f"{shown} | {better} |"
            )
            table[f"{key}.{path}"] = {"base": b, "tuned": t, "delta": delta, "better": better}
    return "\n".join(lines) + "\n", table


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dataset", type=Path)
    parser.add_argument("--adapter", default="", help="the tuned variant's GGUF LoRA")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--chunk", type=int, default=25, help="rows per chunk (default 25)")
    parser.add_argument("--rows", type=int, default=0, help="first N rows (default: all)")
    parser.add_argument("--only", choices=VARIANTS, help="run one variant's chunks")
    parser.add_argument("--parallel", type=int, default=1, help="chunks side by side")
    parser.add_argument("--report", action="store_true", help="only join and compare")
    argv = sys.argv[1:]
    cut = argv.index("--") if "--" in argv else len(argv)
    extra = argv[cut + 1 :]
    args = parser.parse_args(argv[:cut])
    args.extra = extra
    variants = [args.only] if args.only else list(VARIANTS)
    if "tuned" in variants and not Path(args.adapter).is_file():
        parser.error(f"the tuned variant needs --adapter FILE (not {args.adapter!r})")
    total = args.rows or _count_rows(args.dataset)
    starts = list(range(0, total, args.chunk))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "command.json").write_text(
        json.dumps({"argv": sys.argv, "variants": variants}, indent=1) + "\n", encoding="utf-8"
    )
    if not args.report:
        jobs = [
            (variant, start)
            for start in starts
            for variant in variants
            if not (_chunk_dir(args.out, variant, start) / "summary.json").is_file()
        ]
        with ThreadPoolExecutor(max_workers=max(1, args.parallel)) as pool:
            futures = [
                pool.submit(
                    _run_chunk,
                    args.dataset,
                    args.out,
                    variant,
                    start,
                    min(args.chunk, total - start),
                    args.adapter,
                    args.extra,
                )
                for variant, start in jobs
            ]
            for future in futures:
                variant, start, code, seconds = future.result()
                if code == -1:
                    continue  # another runner's chunk
                sys.stderr.write(f"{variant} rows {start}+: exit {code} in {seconds:.0f} s\n")
    done_by = {
        variant: [
            s for s in starts if (_chunk_dir(args.out, variant, s) / "summary.json").is_file()
        ]
        for variant in VARIANTS
    }
    if all(done_by.values()):  # compare on the chunks both variants have
        common = [s for s in starts if all(s in done for done in done_by.values())]
        done_by = {variant: common for variant in VARIANTS}
    summaries: dict[str, dict[str, Any]] = {}
    for variant, done in done_by.items():
        if done:
            title = f"cwm-lsp eval: {variant} ({len(done)} of {len(starts)} chunks)"
            summaries[variant] = _join(args.dataset, args.out, variant, done, title)
    if len(summaries) == len(VARIANTS):
        text, table = _comparison(summaries, args.adapter)
        (args.out / "comparison.md").write_text(text, encoding="utf-8")
        (args.out / "comparison.json").write_text(json.dumps(table, indent=1) + "\n")
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
