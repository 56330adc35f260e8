"""Compare an imagined Trace with a real one, step by step.

Two steps *align* when they have the same event and line; values are
compared only between aligned steps.  The first divergence is the first step
where anything differs, of one kind, checked in this order:

* ``"event"``: different events (e.g. the model returned where the code looped);
* ``"line"``: same event, different line;
* ``"return value"``: the entry function's final ``return`` differs in value;
* ``"values"``: a local (or a nested return/exception value) differs;
* ``"length"``: one trace is a prefix of the other, or both have the same
  frames but end differently.

Values are compared as values, not as text: ``"[1,2]"`` equals ``"[1, 2]"``
(both parse as literals) but ``"1"`` does not equal ``"True"``; a cut repr
(ending with the ellipsis) equals any value it is a prefix of.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from cwm_lsp.trace.types import ELLIPSIS, Frame, Trace, frame_depths

DivergenceKind = Literal["line", "event", "values", "length", "return value"]


@dataclass(frozen=True)
class Divergence:
    """Where two traces first differ."""

    step: int
    kind: DivergenceKind
    description: str


@dataclass(frozen=True)
class StepMismatch:
    """Names whose values differ at one aligned step (``VALUE`` for the return/exception value)."""

    step: int
    names: tuple[str, ...]
    imagined: Mapping[str, str | None]
    real: Mapping[str, str | None]


#: Name used in :class:`StepMismatch` for a return/exception frame's value.
VALUE = "<value>"


@dataclass(frozen=True)
class Comparison:
    """The result of :func:`compare`."""

    #: Number of leading steps that are equal in event, line, locals and value.
    matching_prefix: int
    #: The first divergence, or None when the traces agree completely.
    divergence: Divergence | None
    #: Value mismatches at every aligned step (same event and line), in step order.
    mismatches: list[StepMismatch] = field(default_factory=list)
    #: Number of leading steps with the same event and line.
    aligned: int = 0

    @property
    def identical(self) -> bool:
        return self.divergence is None

    def mismatch_at(self, step: int) -> StepMismatch | None:
        for mismatch in self.mismatches:
            if mismatch.step == step:
                return mismatch
        return None

    def to_json(self) -> dict[str, Any]:
        return {
            "matching_prefix": self.matching_prefix,
            "aligned": self.aligned,
            "divergence": None
            if self.divergence is None
            else {
                "step": self.divergence.step,
                "kind": self.divergence.kind,
                "description": self.divergence.description,
            },
            "mismatches": [
                {
                    "step": m.step,
                    "names": list(m.names),
                    "imagined": dict(m.imagined),
                    "real": dict(m.real),
                }
                for m in self.mismatches
            ],
        }


def values_equal(first: str | None, second: str | None) -> bool:
    """Whether two reprs show the same value (see the module docstring)."""
    if first == second:
        return True
    if first is None or second is None:
        return False
    if first.endswith(ELLIPSIS) or second.endswith(ELLIPSIS):
        return _prefix_match(first, second)
    try:
        left, right = ast.literal_eval(first), ast.literal_eval(second)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return _same_value(left, right)


def _prefix_match(first: str, second: str) -> bool:
    a = first.removesuffix(ELLIPSIS)
    b = second.removesuffix(ELLIPSIS)
    return a.startswith(b) or b.startswith(a)


def _same_value(left: object, right: object) -> bool:
    if type(left) is not type(right):
        return False
    if isinstance(left, list | tuple):
        assert isinstance(right, list | tuple)
        return len(left) == len(right) and all(
            _same_value(a, b) for a, b in zip(left, right, strict=True)
        )
    if isinstance(left, dict):
        assert isinstance(right, dict)
        return left.keys() == right.keys() and all(_same_value(left[k], right[k]) for k in left)
    return bool(left == right)


def compare(imagined: Trace, real: Trace) -> Comparison:
    """Step-by-step comparison of an imagined trace against the real one."""
    depths = frame_depths(real.frames)
    divergence: Divergence | None = None
    matching = 0
    aligned = 0
    mismatches: list[StepMismatch] = []
    for step, (guess, fact) in enumerate(zip(imagined.frames, real.frames, strict=False)):
        if guess.event != fact.event:
            divergence = divergence or Divergence(
                step,
                "event",
                f"step {step}: imagined {guess.event} at line {guess.line}, "
                f"real {fact.event} at line {fact.line}",
            )
            break
        if guess.line != fact.line:
            divergence = divergence or Divergence(
                step,
                "line",
                f"step {step}: imagined line {guess.line} ({guess.source.strip()!r}), "
                f"real line {fact.line} ({fact.source.strip()!r})",
            )
            break
        aligned += 1
        mismatch = _step_mismatch(step, guess, fact)
        if mismatch is not None:
            mismatches.append(mismatch)
            if divergence is None:
                divergence = _values_divergence(step, mismatch, fact, depths[step])
        if divergence is None:
            matching += 1
    if divergence is None:
        divergence = _end_divergence(imagined, real)
    return Comparison(matching, divergence, mismatches, aligned)


def _step_mismatch(step: int, guess: Frame, fact: Frame) -> StepMismatch | None:
    names: list[str] = []
    if fact.event in ("call", "line"):  # return/exception frames carry no locals
        for name in dict.fromkeys([*fact.locals, *guess.locals]):
            if not values_equal(guess.locals.get(name), fact.locals.get(name)):
                names.append(name)
    if fact.event in ("return", "exception") and not values_equal(guess.value, fact.value):
        names.append(VALUE)
    if not names:
        return None
    return StepMismatch(
        step,
        tuple(names),
        {name: _lookup(guess, name) for name in names},
        {name: _lookup(fact, name) for name in names},
    )


def _lookup(frame: Frame, name: str) -> str | None:
    return frame.value if name == VALUE else frame.locals.get(name)


def _values_divergence(step: int, mismatch: StepMismatch, fact: Frame, depth: int) -> Divergence:
    if fact.event == "return" and depth == 0 and VALUE in mismatch.names:
        return Divergence(
            step,
            "return value",
            f"step {step}: imagined return value {mismatch.imagined[VALUE]}, "
            f"real {mismatch.real[VALUE]}",
        )
    shown = ", ".join(
        f"{name}: imagined {mismatch.imagined[name]}, real {mismatch.real[name]}"
        for name in mismatch.names[:3]
    )
    more = f" (+{len(mismatch.names) - 3} more)" if len(mismatch.names) > 3 else ""
    return Divergence(step, "values", f"step {step}, line {fact.line}: {shown}{more}")


def _end_divergence(imagined: Trace, real: Trace) -> Divergence | None:
    n_imagined, n_real = len(imagined.frames), len(real.frames)
    if n_imagined < n_real:
        return Divergence(
            n_imagined,
            "length",
            f"the imagined trace ends after {n_imagined} steps ({imagined.reason}); "
            f"the real one goes on to {n_real} steps",
        )
    if n_imagined > n_real:
        return Divergence(
            n_real,
            "length",
            f"the real trace ends after {n_real} steps ({real.reason}); "
            f"the imagined one goes on to {n_imagined} steps",
        )
    if imagined.reason is not real.reason:
        return Divergence(
            n_real,
            "length",
            f"same {n_real} steps, but the imagined trace ended by {imagined.reason} "
            f"and the real one by {real.reason}",
        )
    return None
