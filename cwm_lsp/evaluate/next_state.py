"""Next-state accuracy: each predicted frame scored against the real one it should equal.

The model predicted ``real[k]`` from the true frames ``real[:k]``
(:mod:`cwm_lsp.model.teacher`).  A step is scored on its event, its line,
each value that changed in the real frame (a local of a call or line frame,
the value of a return or exception), and whether the whole frame is right.
Steps are grouped by the kind of line that ran to produce them: what the
statement at the previous frame's line is.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from cwm_lsp.evaluate.metrics import ValueCheck, check_from_json, check_json
from cwm_lsp.model.calibration import value_features
from cwm_lsp.trace import VALUE_KEY, Frame, scope_base
from cwm_lsp.trace.compare import values_equal

#: the kinds of line a step is grouped by
LINE_KINDS = ("entry", "assignment", "call", "loop header", "condition", "return", "other")


@dataclass
class KindScores:
    """Steps of one kind of line, and how many of them the model got right."""

    steps: int = 0
    frames_correct: int = 0
    values_total: int = 0
    values_correct: int = 0

    def to_json(self) -> dict[str, int]:
        return {
            "steps": self.steps,
            "frames_correct": self.frames_correct,
            "values_total": self.values_total,
            "values_correct": self.values_correct,
        }


@dataclass
class NextStateScores:
    """One row's next-state scores (every step of its real trace after the entry)."""

    steps: int = 0
    frames_correct: int = 0
    events_correct: int = 0
    lines_correct: int = 0
    values_total: int = 0
    values_correct: int = 0
    returns_total: int = 0
    returns_correct: int = 0
    by_kind: dict[str, KindScores] = field(default_factory=dict)
    #: every scored value with the confidence the model gave it
    checks: list[ValueCheck] = field(default_factory=list)
    error: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "steps": self.steps,
            "frames_correct": self.frames_correct,
            "events_correct": self.events_correct,
            "lines_correct": self.lines_correct,
            "values_total": self.values_total,
            "values_correct": self.values_correct,
            "returns_total": self.returns_total,
            "returns_correct": self.returns_correct,
            "by_kind": {k: v.to_json() for k, v in self.by_kind.items()},
            "checks": [check_json(c) for c in self.checks],
            "error": self.error,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> NextStateScores:
        return cls(
            steps=int(data["steps"]),
            frames_correct=int(data["frames_correct"]),
            events_correct=int(data["events_correct"]),
            lines_correct=int(data["lines_correct"]),
            values_total=int(data["values_total"]),
            values_correct=int(data["values_correct"]),
            returns_total=int(data["returns_total"]),
            returns_correct=int(data["returns_correct"]),
            by_kind={k: KindScores(**v) for k, v in data.get("by_kind", {}).items()},
            checks=[check_from_json(c) for c in data.get("checks", [])],
            error=str(data.get("error", "")),
        )


def line_kinds(source: str) -> dict[int, str]:
    """line -> the kind of statement that starts on it (assignment, call, loop header, ...)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return {}
    kinds: dict[int, str] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.stmt):
            continue
        kind = "other"
        if isinstance(node, ast.For | ast.AsyncFor | ast.While):
            kind = "loop header"
        elif isinstance(node, ast.Return):
            kind = "return"
        elif isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            kind = "assignment"
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            kind = "call"
        elif isinstance(node, ast.If | ast.Assert):
            kind = "condition"
        kinds.setdefault(node.lineno, kind)
    return kinds


def score_next_states(
    source: str, real: Sequence[Frame], predicted: Sequence[Frame | None], error: str = ""
) -> NextStateScores:
    """Score ``predicted[k - 1]`` (the guess at ``real[k]``) for every step predicted."""
    scores = NextStateScores(error=error)
    kinds = line_kinds(source)
    for k, guess in enumerate(predicted, start=1):
        if k >= len(real):
            break
        truth, before = real[k], real[k - 1]
        kind = "entry" if before.event == "call" else kinds.get(before.line, "other")
        group = scores.by_kind.setdefault(kind, KindScores())
        event_ok = guess is not None and guess.event == truth.event
        line_ok = event_ok and guess is not None and guess.line == truth.line
        results = _value_checks(real, k, guess if event_ok else None)
        checks = [c for _, c in results if c is not None]
        checks += _false_changes(real, k, guess if event_ok else None)
        right = sum(ok for ok, _ in results)
        frame_ok = line_ok and guess is not None and _same_frame(guess, truth)
        scores.steps += 1
        scores.events_correct += event_ok
        scores.lines_correct += line_ok
        scores.frames_correct += frame_ok
        scores.values_total += len(results)
        scores.values_correct += right
        if truth.event in ("return", "exception"):
            scores.returns_total += 1
            scores.returns_correct += right == len(results) and event_ok
        scores.checks += checks
        group.steps += 1
        group.frames_correct += frame_ok
        group.values_total += len(results)
        group.values_correct += right
    return scores


def _value_checks(
    real: Sequence[Frame], k: int, guess: Frame | None
) -> list[tuple[bool, ValueCheck | None]]:
    """(right, the check of the value the model wrote) per value that changed in ``real[k]``.

    The check is None where the model wrote no such value (no frame, or the
    value left as it was): nothing is shown for it, so it has no confidence
    to calibrate, but it counts as wrong.
    """
    truth = real[k]
    if truth.event in ("return", "exception"):
        if truth.value is None:
            return []
        value = guess.value if guess is not None else None
        ok = value is not None and values_equal(value, truth.value)
        return [(ok, _check(guess, VALUE_KEY, value, ok, k))]
    base = dict(scope_base(real, k) or {}) if truth.event == "line" else {}
    checks = []
    for name, value in truth.locals.items():
        if base.get(name) == value:
            continue
        guessed = guess.locals.get(name) if guess is not None else None
        ok = guessed is not None and values_equal(guessed, value)
        checks.append((ok, _check(guess, name, guessed, ok, k)))
    return checks


def _false_changes(real: Sequence[Frame], k: int, guess: Frame | None) -> list[ValueCheck]:
    """Checks of the values the model wrote as changed where nothing changed.

    They are shown to the user like any other, so they count for calibration
    (and are mostly wrong); they are not among the changed values scored.
    """
    truth = real[k]
    if guess is None or truth.event not in ("call", "line"):
        return []
    base = dict(scope_base(real, k) or {}) if truth.event == "line" else {}
    out = []
    for name, text in guess.locals.items():
        really_changed = base.get(name) != truth.locals.get(name, base.get(name))
        if name not in guess.confidence or really_changed:
            continue  # not written by the model, or a real change (scored already)
        ok = name in truth.locals and values_equal(text, truth.locals[name])
        check = _check(guess, name, text, ok, k)
        if check is not None:
            out.append(check)
    return out


def _check(
    guess: Frame | None, name: str, text: str | None, ok: bool, step: int
) -> ValueCheck | None:
    """The check of one value the model wrote: its shown and raw confidence, its features."""
    if guess is None or text is None or name not in guess.confidence:
        return None
    confidence = guess.confidence[name]
    raw = guess.raw_confidence.get(name, confidence)
    features = value_features(text, raw, step=step, is_value=name == VALUE_KEY)
    return ValueCheck(confidence, ok, raw, tuple(features))


def _same_frame(guess: Frame, truth: Frame) -> bool:
    if set(guess.locals) != set(truth.locals):
        return False
    if any(not values_equal(guess.locals[n], v) for n, v in truth.locals.items()):
        return False
    if truth.value is None:
        return guess.value is None
    return guess.value is not None and values_equal(guess.value, truth.value)
