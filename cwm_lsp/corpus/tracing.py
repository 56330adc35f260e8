"""Trace candidates for real with the project's tracer, keeping only whole traces.

A row is kept when the call returned or raised within the frame cap and
its last frame is the entry function's ``return`` or ``exception``.  Rows
that hit the frame cap, time out, crash, fail to load or have unusable
inputs are dropped, with the reason counted.
"""

from __future__ import annotations

import contextlib
import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from cwm_lsp.corpus.records import Candidate, record
from cwm_lsp.trace.tracer import TraceInputError, trace_call
from cwm_lsp.trace.types import EndReason, Trace, frame_depths

DEFAULT_MAX_FRAMES = 60
DEFAULT_TIMEOUT = 5.0


@dataclass(frozen=True)
class Outcome:
    """A traced candidate: its row, or why it was dropped."""

    candidate: Candidate
    row: dict[str, Any] | None
    dropped: str | None = None


def drop_reason(trace: Trace) -> str | None:
    """Why ``trace`` is not fit for the corpus, or None when it is."""
    if trace.reason not in (EndReason.RETURNED, EndReason.RAISED):
        return str(trace.reason)
    if not trace.frames:
        return "no frames" if not trace.error.startswith("loading ") else "load failed"
    last = trace.frames[-1]
    if last.event not in ("return", "exception") or frame_depths(trace.frames)[-1] != 0:
        return "unfinished"
    return None


def trace_candidate(
    candidate: Candidate, *, max_frames: int = DEFAULT_MAX_FRAMES, timeout: float = DEFAULT_TIMEOUT
) -> Outcome:
    """Run ``candidate`` for real; the outcome holds its corpus row or the drop reason."""
    try:
        trace = trace_call(
            candidate.source,
            function=candidate.function,
            args=candidate.args,
            max_frames=max_frames,
            timeout=timeout,
        )
    except TraceInputError:
        return Outcome(candidate, None, "input error")
    reason = drop_reason(trace)
    if reason is not None:
        return Outcome(candidate, None, reason)
    return Outcome(candidate, record(candidate, trace.to_json()))


def trace_all(
    candidates: Iterable[Candidate],
    *,
    workers: int = 1,
    max_frames: int = DEFAULT_MAX_FRAMES,
    timeout: float = DEFAULT_TIMEOUT,
) -> Iterator[Outcome]:
    """Outcomes in the candidates' order; ``workers`` child processes run side by side."""

    def one(candidate: Candidate) -> Outcome:
        return trace_candidate(candidate, max_frames=max_frames, timeout=timeout)

    with fixed_hash_seed():
        if workers <= 1:
            for candidate in candidates:
                yield one(candidate)
            return
        # each thread waits on its own child process, so threads are enough; a
        # window of submitted calls keeps generation lazy and the order intact
        with ThreadPoolExecutor(max_workers=workers) as pool:
            window: deque[Future[Outcome]] = deque()
            for candidate in candidates:
                window.append(pool.submit(one, candidate))
                if len(window) >= 2 * workers:
                    yield window.popleft().result()
            while window:
                yield window.popleft().result()


@contextlib.contextmanager
def fixed_hash_seed() -> Iterator[None]:
    """Children run with ``PYTHONHASHSEED=0``, so set and dict-of-set reprs repeat exactly."""
    before = os.environ.get("PYTHONHASHSEED")
    os.environ["PYTHONHASHSEED"] = "0"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("PYTHONHASHSEED", None)
        else:
            os.environ["PYTHONHASHSEED"] = before
