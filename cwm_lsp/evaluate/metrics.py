"""Scores of one imagined trace against the real one, aligned step by step.

Step ``i`` of the imagined trace is compared with step ``i`` of the real
trace.  Frames past the end of the shorter trace count as wrong, so a
runaway or truncated imagined trace is penalised.  Locals and values are
compared as values with the trace room's
:func:`~cwm_lsp.trace.compare.values_equal` (a cut repr matches what it is a
prefix of); the first divergence is :func:`~cwm_lsp.trace.compare.compare`'s.
The output (CRUXEval-O) is judged against the dataset's expected output with
``==`` semantics (:func:`~cwm_lsp.evaluate.values.same_value`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from cwm_lsp.evaluate.values import same_value
from cwm_lsp.trace import VALUE_KEY, Frame, Trace
from cwm_lsp.trace.compare import compare, values_equal


@dataclass(frozen=True)
class ValueCheck:
    """One imagined value with the confidence it carried, and whether it was right.

    ``confidence`` is what a user sees (calibrated when the model has a
    calibration); ``raw`` is the model's own probability (None: the same);
    ``features`` are the calibration's inputs for the value (fitting only).
    """

    confidence: float
    correct: bool
    raw: float | None = None
    features: tuple[float, ...] = field(default=(), compare=False)

    @property
    def raw_confidence(self) -> float:
        return self.confidence if self.raw is None else self.raw


@dataclass
class TraceScores:
    """How one imagined trace compares with the real one."""

    output_correct: bool
    exact_match: bool
    frames_real: int
    frames_imagined: int
    frames_matched: int
    lines_matched: int
    values_total: int
    values_correct: int
    #: first step where the traces differ; None when they are identical
    first_divergence: int | None
    #: what differs there first: "event", "line", "values", "return value", "length"
    divergence_kind: str | None
    parse_errors: int
    checks: list[ValueCheck] = field(default_factory=list)

    @property
    def steps(self) -> int:
        """Steps compared: the longer trace's length."""
        return max(self.frames_real, self.frames_imagined)

    @property
    def frame_accuracy(self) -> float:
        return self.frames_matched / self.steps if self.steps else 1.0

    @property
    def line_accuracy(self) -> float:
        return self.lines_matched / self.steps if self.steps else 1.0

    @property
    def value_accuracy(self) -> float:
        return self.values_correct / self.values_total if self.values_total else 1.0

    def to_json(self) -> dict[str, Any]:
        return {
            "output_correct": self.output_correct,
            "exact_match": self.exact_match,
            "frames_real": self.frames_real,
            "frames_imagined": self.frames_imagined,
            "frames_matched": self.frames_matched,
            "frame_accuracy": self.frame_accuracy,
            "lines_matched": self.lines_matched,
            "line_accuracy": self.line_accuracy,
            "values_total": self.values_total,
            "values_correct": self.values_correct,
            "value_accuracy": self.value_accuracy,
            "first_divergence": self.first_divergence,
            "divergence_kind": self.divergence_kind,
            "parse_errors": self.parse_errors,
            "checks": [check_json(c) for c in self.checks],
        }


def scores_from_json(data: dict[str, Any]) -> TraceScores:
    """Scores as :meth:`TraceScores.to_json` wrote them."""
    return TraceScores(
        output_correct=bool(data["output_correct"]),
        exact_match=bool(data["exact_match"]),
        frames_real=int(data["frames_real"]),
        frames_imagined=int(data["frames_imagined"]),
        frames_matched=int(data["frames_matched"]),
        lines_matched=int(data["lines_matched"]),
        values_total=int(data["values_total"]),
        values_correct=int(data["values_correct"]),
        first_divergence=data.get("first_divergence"),
        divergence_kind=data.get("divergence_kind"),
        parse_errors=int(data.get("parse_errors", 0)),
        checks=[check_from_json(c) for c in data.get("checks", [])],
    )


def frame_values(frame: Frame) -> dict[str, str]:
    """The values a frame states: its locals, plus ``VALUE_KEY`` for a return/exception value."""
    values = dict(frame.locals)
    if frame.value is not None:
        values[VALUE_KEY] = frame.value
    return values


def same_frame(imagined: Frame, real: Frame) -> bool:
    """Same event, line, locals and value (values compared as values; confidence ignored)."""
    if imagined.event != real.event or imagined.line != real.line:
        return False
    left, right = frame_values(imagined), frame_values(real)
    return left.keys() == right.keys() and all(values_equal(left[k], right[k]) for k in right)


def check_json(check: ValueCheck) -> list[Any]:
    """``[confidence, correct]``, with the raw probability third when it differs."""
    if check.raw is None:
        return [round(check.confidence, 4), check.correct]
    return [round(check.confidence, 4), check.correct, round(check.raw, 4)]


def check_from_json(data: Sequence[Any]) -> ValueCheck:
    raw = float(data[2]) if len(data) > 2 and data[2] is not None else None
    return ValueCheck(float(data[0]), bool(data[1]), raw)


def value_checks(imagined: list[Frame], real: list[Frame]) -> list[ValueCheck]:
    """Every imagined value that carries a confidence, checked against the real frame at its step."""
    checks: list[ValueCheck] = []
    for step, frame in enumerate(imagined):
        if not frame.confidence:
            continue
        truth = frame_values(real[step]) if step < len(real) else {}
        stated = frame_values(frame)
        for name, confidence in frame.confidence.items():
            if name not in stated:
                continue
            correct = name in truth and values_equal(stated[name], truth[name])
            raw = frame.raw_confidence.get(name)
            checks.append(
                ValueCheck(
                    confidence=float(confidence),
                    correct=correct,
                    raw=None if raw is None else float(raw),
                )
            )
    return checks


def score_trace(imagined: Trace, real: Trace, expected_output: str | None = None) -> TraceScores:
    """Scores of ``imagined`` against ``real``.

    ``expected_output`` (the dataset's answer) is what the imagined return
    value must equal for ``output_correct``; without it, the real trace's
    return value is used.
    """
    want = expected_output if expected_output is not None else real.return_value
    left, right = imagined.frames, real.frames
    pairs = list(zip(left, right, strict=False))
    values_total = 0
    values_correct = 0
    for step, frame in enumerate(right):
        truth = frame_values(frame)
        stated = frame_values(left[step]) if step < len(left) else {}
        values_total += len(truth)
        values_correct += sum(
            1
            for name, value in truth.items()
            if name in stated and values_equal(stated[name], value)
        )
    comparison = compare(imagined, real)
    divergence = comparison.divergence
    return TraceScores(
        output_correct=same_value(imagined.return_value, want),
        exact_match=divergence is None,
        frames_real=len(right),
        frames_imagined=len(left),
        frames_matched=sum(1 for a, b in pairs if same_frame(a, b)),
        lines_matched=sum(1 for a, b in pairs if a.line == b.line),
        values_total=values_total,
        values_correct=values_correct,
        first_divergence=None if divergence is None else divergence.step,
        divergence_kind=None if divergence is None else divergence.kind,
        parse_errors=imagined.parse_errors,
        checks=value_checks(left, right),
    )
