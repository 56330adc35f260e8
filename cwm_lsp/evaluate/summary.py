"""Overall figures of a run: the trace path beside the direct baseline, per metric."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from cwm_lsp.evaluate.calibration import (
    Bucket,
    CoveragePoint,
    expected_calibration_error,
    raw_checks,
    reliability,
    risk_coverage,
)
from cwm_lsp.evaluate.next_state import LINE_KINDS, KindScores, NextStateScores
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
    #: next-state (teacher-forced) figures by kind of line, and their calibration
    next_state_kinds: dict[str, KindScores] = field(default_factory=dict)
    next_state_buckets: list[Bucket] = field(default_factory=list)
    next_state_ece: float | None = None
    #: the same before calibration (the model's own probabilities)
    next_state_raw_buckets: list[Bucket] = field(default_factory=list)
    raw_buckets: list[Bucket] = field(default_factory=list)
    #: accuracy of the values shown against the fraction shown, by threshold
    next_state_coverage: list[CoveragePoint] = field(default_factory=list)
    coverage: list[CoveragePoint] = field(default_factory=list)

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
            "next_state": {
                "by_kind": {k: v.to_json() for k, v in self.next_state_kinds.items()},
                "ece": self.next_state_ece,
                "buckets": [b.to_json() for b in self.next_state_buckets],
                "raw_buckets": [b.to_json() for b in self.next_state_raw_buckets],
                "coverage": [p.to_json() for p in self.next_state_coverage],
            },
            "raw_buckets": [b.to_json() for b in self.raw_buckets],
            "coverage": [p.to_json() for p in self.coverage],
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
        Metric(
            "ece_raw",
            "the same, of the model's own probabilities (before calibration)",
            expected_calibration_error(reliability(raw_checks(checks))),
            kind="number",
        ),
    ]
    next_states = [r.next_state for r in results if r.next_state is not None]
    ns_checks = [c for s in next_states for c in s.checks]
    ns_buckets = reliability(ns_checks)
    ns_raw = reliability(raw_checks(ns_checks))
    metrics += next_state_metrics(
        next_states, expected_calibration_error(ns_buckets), expected_calibration_error(ns_raw)
    )
    return Summary(
        rows=len(results),
        metrics=metrics,
        buckets=buckets,
        ece=ece,
        trace_correct=(sum(p.correct for p in traced), len(traced)),
        direct_correct=(sum(p.correct for p in direct), len(direct)),
        real_failures=[f"{r.row.id}: {r.real_error}" for r in results if r.real is None],
        info=dict(info or {}),
        next_state_kinds=_by_kind(next_states),
        next_state_buckets=ns_buckets,
        next_state_ece=expected_calibration_error(ns_buckets),
        next_state_raw_buckets=ns_raw,
        raw_buckets=reliability(raw_checks(checks)),
        next_state_coverage=risk_coverage(ns_checks),
        coverage=risk_coverage(checks),
    )


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def next_state_metrics(
    scores: Sequence[NextStateScores], ece: float | None, ece_raw: float | None
) -> list[Metric]:
    """The teacher-forced figures, pooled over every step of every row (none: no lines)."""
    if not scores:
        return []
    steps = sum(s.steps for s in scores)

    def pooled(key: str, label: str, part: str, whole: str = "steps") -> Metric:
        total = sum(getattr(s, whole) for s in scores) if whole != "steps" else steps
        return Metric(key, label, _ratio(sum(getattr(s, part) for s in scores), total))

    return [
        pooled("next_frame", "next-state frame accuracy (from the true state)", "frames_correct"),
        pooled("next_event", "next-state event accuracy", "events_correct"),
        pooled("next_line", "next-state line accuracy", "lines_correct"),
        pooled(
            "next_value",
            "next-state value accuracy (changed values)",
            "values_correct",
            "values_total",
        ),
        pooled(
            "next_return",
            "next-state return/exception value accuracy",
            "returns_correct",
            "returns_total",
        ),
        Metric("next_steps", "next-state steps scored", float(steps), kind="count"),
        Metric(
            "next_ece", "calibration error of next-state value confidence (ECE)", ece, kind="number"
        ),
        Metric(
            "next_ece_raw",
            "the same, of the model's own probabilities (before calibration)",
            ece_raw,
            kind="number",
        ),
    ]


def _by_kind(scores: Sequence[NextStateScores]) -> dict[str, KindScores]:
    out: dict[str, KindScores] = {}
    for kind in LINE_KINDS:
        parts = [s.by_kind[kind] for s in scores if kind in s.by_kind]
        if parts:
            out[kind] = KindScores(
                steps=sum(p.steps for p in parts),
                frames_correct=sum(p.frames_correct for p in parts),
                values_total=sum(p.values_total for p in parts),
                values_correct=sum(p.values_correct for p in parts),
            )
    return out
