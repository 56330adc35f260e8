"""What crosses the model host's pipe: calls, their replies, streamed frames, progress.

Frames cross as deltas: the receiver keeps the list it was sent, and each
message says how many of its frames still stand (``keep``) and which come
after them, so a long trace is not sent again on every step.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from cwm_lsp.model.api import ModelLoadError
from cwm_lsp.trace import EndReason, Frame, Trace


@dataclass(frozen=True)
class Call:
    """Parent → host: run ``method`` with these arguments; the reply carries ``id``."""

    id: int
    method: str
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Cancel:
    """Parent → host: the call ``id`` should stop between tokens."""

    id: int


@dataclass(frozen=True)
class Reply:
    id: int
    value: Any
    #: wall seconds the host spent on the call (the rest of the caller's wait is the pipe)
    seconds: float = 0.0


@dataclass(frozen=True)
class Failure:
    """The call raised; ``error`` is the exception itself when it pickles, else a stand-in."""

    id: int
    error: BaseException


@dataclass(frozen=True)
class Progress:
    id: int
    fraction: float
    message: str


@dataclass(frozen=True)
class FramesDelta:
    """The frames after the first ``keep`` of the list the receiver holds."""

    keep: int
    new: tuple[Frame, ...]

    def apply(self, frames: list[Frame]) -> list[Frame]:
        return frames[: self.keep] + list(self.new)


def frames_delta(sent: Sequence[Frame], now: Sequence[Frame]) -> FramesDelta:
    """What turns ``sent`` into ``now``: frames are immutable, so a kept frame is the same object."""
    keep = 0
    for old, new in zip(sent, now, strict=False):
        if old is not new:
            break
        keep += 1
    return FramesDelta(keep, tuple(now[keep:]))


@dataclass(frozen=True)
class Streamed:
    """The trace so far of a running ``imagine`` (its frames as a delta)."""

    id: int
    frames: FramesDelta
    reason: EndReason
    function: str
    args: str
    error: str
    parse_errors: int

    def trace(self, frames: list[Frame]) -> Trace:
        return Trace(
            frames=frames,
            reason=self.reason,
            function=self.function,
            args=self.args,
            error=self.error,
            parse_errors=self.parse_errors,
        )


@dataclass(frozen=True)
class SessionView:
    """A stepping session's state after a call: what the server side reads without asking."""

    frames: FramesDelta
    index: int
    args: str
    done: bool
    tokens_evaluated: int
    reason: EndReason
    function: str
    error: str
    parse_errors: int
    invented_args: bool


@dataclass(frozen=True)
class Loaded:
    """The reply to ``load``: what the server needs to know of the model in the host."""

    info: Any
    calibration: Any
    prefix_report: Any
    pid: int


def portable_error(exc: BaseException) -> BaseException:
    """``exc`` if it survives a pickle round trip, else a RuntimeError saying what it was."""
    import pickle

    if isinstance(exc, ModelLoadError):
        return _LoadError(exc.path, exc.cause)
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")


class _LoadError(Exception):
    """A ModelLoadError in transit (its constructor takes two arguments, pickle passes one)."""

    def __init__(self, path: str, cause: str) -> None:
        super().__init__(path, cause)
        self.path = path
        self.cause = cause


def local_error(exc: BaseException) -> BaseException:
    """The exception a Failure stands for, as the server side raises it."""
    if isinstance(exc, _LoadError):
        return ModelLoadError(exc.path, exc.cause)
    return exc
