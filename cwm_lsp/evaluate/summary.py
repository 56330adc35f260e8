"""Overall figures of a run: the trace path beside the direct baseline, per metric."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from cwm_lsp.evaluate.calibration import Bucket, expected_calibration_error, reliability
from cwm_lsp.evaluate.runner import PathResult, RowResult
from cwm_lsp.trace import EndReason


@dataclass(frozen=True)
class Metric:
    """One line of the summary table; a value is None where the path does not have it."""

    key: str
    label: str
    trace: float | None
    direct: float | None = None
    #: "percent", "number" or "count"
    kind: str = "percent"


@dataclass
class Summary:
    rows: int
    metrics: list[Metric]
    buckets: list[Bucket]
    ece: float | None
    #: (correct, answered) of each path's output
    trace_correct: tuple[int, int] = (0, 0)
    direct_correct: tuple[int, int] = (0, 0)
    real_failures: list[str] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)

    def metric(self, key: str) -> Metric:
        for metric in self.metrics:
            if metric.key == key:
                return metric
        raise KeyError(key)

    def to_json(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "metrics": {
                m.key: {"label": m.label, "trace": m.trace, "direct": m.direct, "kind": m.kind}
                for m in self.metrics
            },
            "calibration": {"ece": self.ece, "buckets": [b.to_json() for b in self.buckets]},
            "trace_correct": list(self.trace_correct),
            "direct_correct": list(self.direct_correct),
            "real_failures": self.real_failures,
            "info": self.info,
        }


def _mean(values: Sequence[float]) -> float | None:
    return statistics.fmean(values) if values else None


def _accuracy(paths: Sequence[PathResult]) -> float | None:
    return sum(p.correct for p in paths) / len(paths) if paths else None


def summarize(results: Sequence[RowResult], info: dict[str, Any] | None = None) -> Summary:
    traced = [r.trace for r in results if r.trace is not None]
    direct = [r.direct for r in results if r.direct is not None]
    scores = [r.scores for r in results if r.scores is not None]
    diverged = [s.first_divergence for s in scores if s.first_divergence is not None]
    values_total = sum(s.values_total for s in scores)
    capped = [
        r for r in results if r.imagined is not None and r.imagined.reason is EndReason.FRAME_CAP
    ]
    checks = [c for s in scores for c in s.checks]
    buckets = reliability(checks)
    ece = expected_calibration_error(buckets)
    metrics = [
        Metric(
            "output_accuracy",
            "output accuracy (CRUXEval-O, by value)",
            _accuracy(traced),
            _accuracy(direct),
        ),
        Metric(
            "exact_match", "whole-trace exact match", _mean([float(s.exact_match) for s in scores])
        ),
        Metric(
            "frame_accuracy",
            "per-frame state accuracy (by step, mean of rows)",
            _mean([s.frame_accuracy for s in scores]),
        ),
        Metric(
            "value_accuracy",
            "per-variable value accuracy (all values)",
            sum(s.values_correct for s in scores) / values_total if values_total else None,
        ),
        Metric(
            "line_accuracy",
            "line-sequence accuracy (by step, mean of rows)",
            _mean([s.line_accuracy for s in scores]),
        ),
        Metric(
            "first_divergence",
            "first divergence step (median of diverging rows)",
            statistics.median(diverged) if diverged else None,
            kind="number",
        ),
        Metric(
            "parse_errors",
            "frames that failed to parse (per row)",
            _mean([float(s.parse_errors) for s in scores]),
            kind="number",
        ),
        Metric(
            "frame_cap",
            "imagined traces cut at the frame cap",
            len(capped) / len(traced) if traced else None,
        ),
        Metric(
            "tokens",
            "generated tokens per row",
            _mean([float(p.tokens) for p in traced]),
            _mean([float(p.tokens) for p in direct]),
            kind="number",
        ),
        Metric(
            "seconds",
            "seconds per row",
            _mean([p.seconds for p in traced]),
            _mean([p.seconds for p in direct]),
            kind="number",
        ),
        Metric("ece", "calibration error of value confidence (ECE)", ece, kind="number"),
    ]
    return Summary(
        rows=len(results),
        metrics=metrics,
        buckets=buckets,
        ece=ece,
        trace_correct=(sum(p.correct for p in traced), len(traced)),
        direct_correct=(sum(p.correct for p in direct), len(direct)),
        real_failures=[f"{r.row.id}: {r.real_error}" for r in results if r.real is None],
        info=dict(info or {}),
    )
