"""What each line of a traced function produced, per execution.

A ``line`` frame holds the state *before* its line runs, so what a line
produced is the state at the next frame of the same scope.  Only the entry
function's own frames (depth 0) count; callees' frames are skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from cwm_lsp.trace import VALUE_KEY, Frame, Trace, changed_locals, frame_depths, state_at


@dataclass
class Step:
    """One execution of a line."""

    #: index of the line's frame in the trace
    index: int
    #: names the line assigned (or changed), with their new reprs
    produced: dict[str, str]
    #: every local after the line ran
    state: dict[str, str]
    #: confidence of the produced values (imagined traces only)
    confidence: dict[str, float] = field(default_factory=dict)


@dataclass
class LineRecord:
    """Everything a trace says about one source line (0-based document line)."""

    line: int
    steps: list[Step] = field(default_factory=list)
    #: reprs returned on this line, with their confidence
    returns: list[tuple[str, float | None]] = field(default_factory=list)
    #: reprs of exceptions raised on this line
    raises: list[tuple[str, float | None]] = field(default_factory=list)
    #: the inputs, on the def line (from the call frame)
    inputs: dict[str, str] = field(default_factory=dict)
    #: the confidences are calibrated (the probability of being right), not the model's own
    calibrated: bool = False

    def history(self, name: str) -> list[str]:
        """The values ``name`` received on this line, one per execution that set it."""
        return [step.produced[name] for step in self.steps if name in step.produced]

    def names(self) -> list[str]:
        seen: dict[str, None] = {}
        for step in self.steps:
            for name in step.produced:
                seen.setdefault(name, None)
        return list(seen)

    def min_confidence(self, name: str) -> float | None:
        values = [s.confidence[name] for s in self.steps if name in s.confidence]
        return min(values) if values else None


def line_records(trace: Trace, to_line: Callable[[int], int | None]) -> dict[int, LineRecord]:
    """Per-line records of ``trace``; ``to_line`` maps a frame's 1-based line to a
    0-based document line, or None for lines outside the function."""
    frames = trace.frames
    depths = frame_depths(frames)
    records: dict[int, LineRecord] = {}
    calibrated = any(frame.raw_confidence for frame in frames)

    def record(frame: Frame) -> LineRecord | None:
        if frame.line <= 0:
            return None
        line = to_line(frame.line)
        if line is None:
            return None
        return records.setdefault(line, LineRecord(line, calibrated=calibrated))

    for i, frame in enumerate(frames):
        if depths[i] != 0:
            continue
        rec = record(frame)
        if rec is None:
            continue
        if frame.event == "call":
            rec.inputs = dict(frame.locals)
        elif frame.event == "line":
            after = _next_state(frames, depths, i)
            if after is None:
                continue
            after_state, after_frame = after
            before = state_at(frames, i)
            produced = changed_locals(before, after_state)
            confidence = {
                name: after_frame.confidence[name]
                for name in produced
                if name in after_frame.confidence
            }
            rec.steps.append(Step(i, produced, dict(after_state), confidence))
        elif frame.event == "return" and frame.value is not None:
            rec.returns.append((frame.value, frame.confidence.get(VALUE_KEY)))
        elif frame.event == "exception" and frame.value is not None:
            rec.raises.append((frame.value, frame.confidence.get(VALUE_KEY)))
    return records


def _next_state(
    frames: list[Frame], depths: list[int], index: int
) -> tuple[dict[str, str], Frame] | None:
    """The state after ``frames[index]`` ran: that of the next depth-0 frame."""
    for j in range(index + 1, len(frames)):
        if depths[j] == 0:
            return dict(state_at(frames, j)), frames[j]
    return None


def uncaught_exception_line(
    trace: Trace, to_line: Callable[[int], int | None]
) -> tuple[int, str] | None:
    """Where (0-based document line) and what the entry function raised, if it did."""
    exc = trace.exception
    if exc is None:
        return None
    depths = frame_depths(trace.frames)
    for frame, depth in zip(reversed(trace.frames), reversed(depths), strict=True):
        if depth == 0 and frame.event in ("exception", "line") and frame.line > 0:
            line = to_line(frame.line)
            if line is not None:
                return line, exc.value or trace.error or "exception"
    return None
