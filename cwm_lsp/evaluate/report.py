"""Writing a run's results: ``rows.jsonl``, ``summary.json`` and ``summary.md``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO

from cwm_lsp.evaluate.dataset import EvalRow
from cwm_lsp.evaluate.runner import PathResult, RowResult
from cwm_lsp.evaluate.summary import Metric, Summary

ROWS_FILE = "rows.jsonl"
#: Direct answers, written during the first phase (before any trace is done).
DIRECT_FILE = "direct.jsonl"
SUMMARY_JSON = "summary.json"
SUMMARY_MD = "summary.md"


class RowWriter:
    """Appends one JSON line per row as soon as it is done (a long run can be read mid-way)."""

    def __init__(self, out_dir: Path) -> None:
        out_dir.mkdir(parents=True, exist_ok=True)
        self.path = out_dir / ROWS_FILE
        self._file: IO[str] = self.path.open("w", encoding="utf-8")
        self._direct: IO[str] | None = None

    def write(self, result: RowResult) -> None:
        self._file.write(json.dumps(result.to_json(), ensure_ascii=False) + "\n")
        self._file.flush()

    def write_direct(self, row: EvalRow, answer: PathResult) -> None:
        """One direct answer to ``direct.jsonl`` (kept even if the trace phase is cut short)."""
        if self._direct is None:
            self._direct = (self.path.parent / DIRECT_FILE).open("w", encoding="utf-8")
        record = {"id": row.id, "expected": row.output, **answer.to_json()}
        self._direct.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._direct.flush()

    def close(self) -> None:
        self._file.close()
        if self._direct is not None:
            self._direct.close()

    def __enter__(self) -> RowWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_rows(path: Path) -> list[RowResult]:
    """The rows a run wrote to ``rows.jsonl`` (a torn last line of an interrupted run is skipped)."""
    results: list[RowResult] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            data = json.loads(line)
        except json.JSONDecodeError:
            continue
        results.append(RowResult.from_json(data))
    return results


def format_value(value: float | None, kind: str) -> str:
    if value is None:
        return "—"
    if kind == "percent":
        return f"{100 * value:.1f}%"
    if kind == "count":
        return str(int(value))
    return (
        f"{value:.2f}"
        if abs(value) < 10
        else f"{value:.1f}"
        if abs(value) < 100
        else f"{value:.0f}"
    )


def metric_line(metric: Metric) -> str:
    return (
        f"| {metric.label} | {format_value(metric.trace, metric.kind)} "
        f"| {format_value(metric.direct, metric.kind)} |"
    )


def markdown(summary: Summary, title: str = "cwm-lsp eval") -> str:
    lines = [f"# {title}", ""]
    info = summary.info
    if info:
        lines += [f"- {key}: {value}" for key, value in info.items()]
        lines.append("")
    tc, tn = summary.trace_correct
    dc, dn = summary.direct_correct
    lines += [
        f"{summary.rows} rows. Output correct: trace path {tc}/{tn}, direct baseline {dc}/{dn}.",
        "",
        "| metric | trace path | direct baseline |",
        "| --- | ---: | ---: |",
        *[metric_line(m) for m in summary.metrics],
        "",
    ]
    filled = [b for b in summary.buckets if b.count]
    if filled:
        lines += [
            "Calibration of per-value confidence (imagined values that carry a confidence):",
            "",
            "| confidence | values | right | mean confidence |",
            "| --- | ---: | ---: | ---: |",
            *[
                f"| {b.low:.1f}–{b.high:.1f} | {b.count} | {100 * b.accuracy:.1f}% | {b.mean_confidence:.2f} |"
                for b in filled
            ],
            "",
        ]
    if summary.next_state_kinds:
        lines += [
            "Next-state accuracy by the kind of line that ran (teacher forcing: each step "
            "starts from the real state):",
            "",
            "| line | steps | frame right | values | value right |",
            "| --- | ---: | ---: | ---: | ---: |",
            *[
                f"| {kind} | {k.steps} | {format_value(k.frames_correct / k.steps if k.steps else None, 'percent')} "
                f"| {k.values_total} | {format_value(k.values_correct / k.values_total if k.values_total else None, 'percent')} |"
                for kind, k in summary.next_state_kinds.items()
            ],
            "",
        ]
    covered = [p for p in summary.next_state_coverage if p.shown]
    if covered:
        lines += [
            "Next-state values shown at a confidence threshold (risk–coverage):",
            "",
            "| threshold | shown | of all values | right |",
            "| ---: | ---: | ---: | ---: |",
            *[
                f"| {p.threshold:.2f} | {p.shown} | {100 * p.coverage:.1f}% "
                f"| {format_value(p.accuracy, 'percent')} |"
                for p in covered
            ],
            "",
        ]
    if summary.real_failures:
        lines += ["Rows whose real trace could not be taken:", ""]
        lines += [f"- {failure}" for failure in summary.real_failures]
        lines.append("")
    return "\n".join(lines)


def write_summary(summary: Summary, out_dir: Path, title: str = "cwm-lsp eval") -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / SUMMARY_JSON
    md_path = out_dir / SUMMARY_MD
    json_path.write_text(
        json.dumps(summary.to_json(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    md_path.write_text(markdown(summary, title), encoding="utf-8")
    return [json_path, md_path]
