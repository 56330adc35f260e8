"""Calibration of per-value confidence: reliability buckets, expected calibration error, and
the risk–coverage trade of showing only values above a threshold."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from cwm_lsp.evaluate.metrics import ValueCheck


@dataclass
class Bucket:
    """Values whose confidence lies in ``[low, high)`` (the last bucket includes 1.0)."""

    low: float
    high: float
    count: int = 0
    correct: int = 0
    confidence_sum: float = 0.0

    @property
    def accuracy(self) -> float:
        return self.correct / self.count if self.count else 0.0

    @property
    def mean_confidence(self) -> float:
        return self.confidence_sum / self.count if self.count else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "low": self.low,
            "high": self.high,
            "count": self.count,
            "correct": self.correct,
            "accuracy": self.accuracy,
            "mean_confidence": self.mean_confidence,
        }


def reliability(checks: Iterable[ValueCheck], buckets: int = 10) -> list[Bucket]:
    """``buckets`` equal-width confidence buckets over [0, 1] with the checks sorted in."""
    if buckets < 1:
        raise ValueError("need at least one bucket")
    out = [Bucket(low=i / buckets, high=(i + 1) / buckets) for i in range(buckets)]
    for check in checks:
        confidence = min(max(check.confidence, 0.0), 1.0)
        index = min(int(confidence * buckets), buckets - 1)
        bucket = out[index]
        bucket.count += 1
        bucket.correct += int(check.correct)
        bucket.confidence_sum += confidence
    return out


def expected_calibration_error(buckets: list[Bucket]) -> float | None:
    """Σ (n_b / N) · |accuracy_b − confidence_b|; None when there are no values."""
    total = sum(b.count for b in buckets)
    if not total:
        return None
    return sum(b.count / total * abs(b.accuracy - b.mean_confidence) for b in buckets if b.count)


@dataclass(frozen=True)
class CoveragePoint:
    """Values shown at confidence >= ``threshold``: what fraction that is, and how many are right."""

    threshold: float
    coverage: float
    accuracy: float | None
    shown: int

    def to_json(self) -> dict[str, Any]:
        return {
            "threshold": self.threshold,
            "coverage": self.coverage,
            "accuracy": self.accuracy,
            "shown": self.shown,
        }


def risk_coverage(
    checks: Sequence[ValueCheck], thresholds: Sequence[float] | None = None
) -> list[CoveragePoint]:
    """For each threshold: the fraction of values at or above it and their accuracy."""
    steps = thresholds if thresholds is not None else [i / 20 for i in range(20)]
    total = len(checks)
    points = []
    for t in steps:
        shown = [c for c in checks if c.confidence >= t]
        right = sum(c.correct for c in shown)
        points.append(
            CoveragePoint(
                threshold=t,
                coverage=len(shown) / total if total else 0.0,
                accuracy=right / len(shown) if shown else None,
                shown=len(shown),
            )
        )
    return points


def raw_checks(checks: Sequence[ValueCheck]) -> list[ValueCheck]:
    """The same checks with the model's own probability as their confidence."""
    return [ValueCheck(c.raw_confidence, c.correct) for c in checks]
