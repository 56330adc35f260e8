"""The one vocabulary of cwm-lsp: a Trace is a list of Frames.

Real execution (the tracer) and imagined execution (the model) both produce
Traces, so comparing them is comparing two lists.  This module depends on
nothing but the standard library.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Literal, cast

Event = Literal["call", "line", "return", "exception"]
EVENTS: tuple[Event, ...] = ("call", "line", "return", "exception")

#: The visible mark a cut repr ends with.
ELLIPSIS = "…"

#: Key under which a frame's return/exception value confidence is stored.
VALUE_KEY = "<value>"


class EndReason(str, Enum):
    """Why a trace ended."""

    RETURNED = "returned"
    RAISED = "raised"
    FRAME_CAP = "frame cap"
    #: The imagined run came back to a line with the same state: it would repeat for ever.
    CYCLE = "cycle"
    TIMEOUT = "timeout"
    CRASH = "crash"
    #: The imagined trace could not go on (the model failed or gave nothing usable).
    ERROR = "error"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Frame:
    """One step of an execution.

    ``locals`` is the state *before* ``source`` runs (as ``sys.settrace`` sees
    it): name -> repr string, always whole (the codec alone knows ``".."``
    diffs); empty on ``return`` and ``exception`` frames, see :func:`state_at`.  ``value`` is the repr of the returned value or
    of the exception for ``return`` and ``exception`` frames.  ``line`` is the
    1-based line number in the traced file, 0 when a predicted line could not
    be placed.  ``confidence`` (imagined frames only) maps a local's name, or
    :data:`VALUE_KEY` for the value, to the probability the model gave it
    (calibrated, when a calibration for the model exists: the probability that
    the value is right); ``raw_confidence`` then keeps the model's own
    probability.  Neither takes part in equality.
    """

    event: Event
    line: int
    source: str
    locals: Mapping[str, str] = field(default_factory=dict)
    value: str | None = None
    confidence: Mapping[str, float] = field(default_factory=dict, compare=False)
    raw_confidence: Mapping[str, float] = field(default_factory=dict, compare=False)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "event": self.event,
            "line": self.line,
            "source": self.source,
            "locals": dict(self.locals),
        }
        if self.value is not None:
            data["value"] = self.value
        if self.confidence:
            data["confidence"] = dict(self.confidence)
        if self.raw_confidence:
            data["raw_confidence"] = dict(self.raw_confidence)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Frame:
        event = data["event"]
        if event not in EVENTS:
            raise ValueError(f"unknown frame event {event!r}")
        return cls(
            event=cast(Event, event),
            line=int(data["line"]),
            source=str(data["source"]),
            locals={str(k): str(v) for k, v in dict(data.get("locals", {})).items()},
            value=None if data.get("value") is None else str(data["value"]),
            confidence={str(k): float(v) for k, v in dict(data.get("confidence", {})).items()},
            raw_confidence={
                str(k): float(v) for k, v in dict(data.get("raw_confidence", {})).items()
            },
        )


@dataclass
class Trace:
    """Frames plus why the execution ended.

    ``error`` says what went wrong for ``raised``, ``timeout``, ``crash`` and
    ``error`` endings.  ``stdout``/``stderr`` are the program's own output
    (real traces only), kept apart from the frames.  ``parse_errors`` counts
    model frames that did not parse (imagined traces only).
    """

    frames: list[Frame] = field(default_factory=list)
    reason: EndReason = EndReason.RETURNED
    function: str = ""
    args: str = ""
    error: str = ""
    stdout: str = ""
    stderr: str = ""
    parse_errors: int = 0

    @property
    def return_value(self) -> str | None:
        """The repr the entry function returned, or None if it did not return."""
        if self.reason is not EndReason.RETURNED:
            return None
        depths = frame_depths(self.frames)
        for frame, depth in zip(reversed(self.frames), reversed(depths), strict=True):
            if depth == 0 and frame.event == "return":
                return frame.value
        return None

    @property
    def exception(self) -> Frame | None:
        """The exception frame of an uncaught exception, if the trace raised."""
        if self.reason is not EndReason.RAISED:
            return None
        for frame in reversed(self.frames):
            if frame.event == "exception":
                return frame
        return None

    def to_json(self) -> dict[str, Any]:
        return {
            "function": self.function,
            "args": self.args,
            "reason": self.reason.value,
            "error": self.error,
            "return_value": self.return_value,
            "frames": [f.to_json() for f in self.frames],
            "stdout": self.stdout,
            "stderr": self.stderr,
            "parse_errors": self.parse_errors,
        }

    def dumps(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_json(), indent=indent, ensure_ascii=False)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Trace:
        return cls(
            frames=[Frame.from_json(f) for f in data.get("frames", [])],
            reason=EndReason(data.get("reason", EndReason.RETURNED.value)),
            function=str(data.get("function", "")),
            args=str(data.get("args", "")),
            error=str(data.get("error", "")),
            stdout=str(data.get("stdout", "")),
            stderr=str(data.get("stderr", "")),
            parse_errors=int(data.get("parse_errors", 0)),
        )


def frame_depths(frames: Sequence[Frame]) -> list[int]:
    """Call depth of each frame, the entry function's frames at depth 0.

    A ``call`` frame opens a scope and a ``return`` frame closes it, so the
    return frame still belongs to the callee.
    """
    depths: list[int] = []
    depth = -1
    for frame in frames:
        if frame.event == "call":
            depth += 1
            depths.append(depth)
        elif frame.event == "return":
            depths.append(max(depth, 0))
            depth -= 1
        else:
            depths.append(max(depth, 0))
    return depths


def state_at(frames: Sequence[Frame], index: int) -> Mapping[str, str]:
    """The locals in scope at ``frames[index]``.

    ``return`` and ``exception`` frames carry no locals (as in CWM's format);
    their state is that of the last earlier frame of the same scope.
    """
    depths = frame_depths(frames)
    depth = depths[index]
    j = index
    while j >= 0:
        if depths[j] == depth and frames[j].event in ("call", "line"):
            return frames[j].locals
        if depths[j] < depth:
            break
        j -= 1
    return {}


def scope_base(frames: Sequence[Frame], index: int) -> Mapping[str, str] | None:
    """The locals of the previous call/line frame of ``frames[index]``'s scope, if any."""
    if frames[index].event == "call":
        return None
    depths = frame_depths(frames)
    depth = depths[index]
    for j in range(index - 1, -1, -1):
        if depths[j] < depth:
            break
        if depths[j] == depth and frames[j].event in ("call", "line"):
            return frames[j].locals
    return None


def cut_repr(text: str, limit: int) -> str:
    """Cut ``text`` to at most ``limit`` characters with a visible ellipsis."""
    if limit <= 0 or len(text) <= limit:
        return text
    if limit == 1:
        return ELLIPSIS
    return text[: limit - 1] + ELLIPSIS


def changed_locals(before: Mapping[str, str], after: Mapping[str, str]) -> dict[str, str]:
    """Names whose value differs (or that appeared) between two states."""
    return {k: v for k, v in after.items() if before.get(k) != v}
