"""Comparing the imagined and the real frame at one stop of a compare session."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cwm_lsp.trace import Frame

#: Shown for a variable that one world has and the other has not.
ABSENT = "<absent>"


@dataclass(frozen=True)
class Mismatch:
    name: str
    imagined: str
    real: str


@dataclass(frozen=True)
class Comparison:
    """How the two worlds differ at one stop (empty ``reasons``: they agree)."""

    mismatches: list[Mismatch]
    reasons: list[str]

    @property
    def diverged(self) -> bool:
        return bool(self.reasons)

    def describe(self) -> str:
        return "; ".join(self.reasons)


def _where(frame: Frame) -> str:
    return f"{frame.event} at line {frame.line}"


def compare_stop(
    imagined: Frame,
    imagined_state: Mapping[str, str],
    real: Frame | None,
    real_state: Mapping[str, str],
) -> Comparison:
    """Line/event, return value and every variable of the two frames."""
    if real is None:
        return Comparison([], [f"imagined {_where(imagined)}, but the real program has ended"])
    reasons: list[str] = []
    if (imagined.event, imagined.line) != (real.event, real.line):
        reasons.append(f"imagined {_where(imagined)}, real {_where(real)}")
    mismatches: list[Mismatch] = []
    for name in sorted(set(imagined_state) | set(real_state)):
        mine = imagined_state.get(name, ABSENT)
        theirs = real_state.get(name, ABSENT)
        if mine != theirs:
            mismatches.append(Mismatch(name, mine, theirs))
    same_kind = imagined.event == real.event
    if same_kind and imagined.event in ("return", "exception") and imagined.value != real.value:
        label = "return value" if imagined.event == "return" else "exception"
        mismatches.append(Mismatch(f"({label})", imagined.value or ABSENT, real.value or ABSENT))
    if mismatches:
        shown = ", ".join(f"{m.name}: imagined {m.imagined}, real {m.real}" for m in mismatches[:3])
        more = f" (+{len(mismatches) - 3} more)" if len(mismatches) > 3 else ""
        reasons.append(shown + more)
    return Comparison(mismatches, reasons)
