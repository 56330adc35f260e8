"""A progress bar on stderr with the running output accuracy of both paths."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from cwm_lsp.evaluate.dataset import EvalRow
from cwm_lsp.evaluate.runner import PathResult, RowResult

WIDTH = 24


class RowProgress:
    """``trace [####------] 12/40 right 3/12 1.9 s/row ~53 s left``, redrawn in place.

    Two phases: the direct answers of all rows, then the traces.  On a
    terminal the line is redrawn with a carriage return; elsewhere (a log
    file) one line is written per row.
    """

    def __init__(self, total: int, *, enabled: bool = True, stream: TextIO | None = None) -> None:
        self.total = total
        self.enabled = enabled
        self.stream = stream or sys.stderr
        self.phase = ""
        self.started = self.last = time.perf_counter()
        self.right = 0
        self.done = 0

    def _start(self, phase: str) -> None:
        if phase != self.phase:
            if self.phase:
                self.close()
            self.phase = phase
            self.started = self.last
            self.right = self.done = 0

    def line(self) -> str:
        filled = WIDTH * self.done // self.total if self.total else WIDTH
        per_row = (time.perf_counter() - self.started) / self.done if self.done else 0.0
        left = per_row * (self.total - self.done)
        return (
            f"{self.phase:<6} [{'#' * filled}{'-' * (WIDTH - filled)}] {self.done}/{self.total} "
            f"right {self.right}/{self.done} {per_row:.1f} s/row ~{left:.0f} s left"
        )

    def direct(self, row: EvalRow, answer: PathResult) -> None:
        self._start("direct")
        self._advance(answer.correct)

    def update(self, result: RowResult) -> None:
        self._start("trace")
        self._advance(result.trace is not None and result.trace.correct)

    def _advance(self, correct: bool) -> None:
        self.last = time.perf_counter()
        self.done += 1
        self.right += int(correct)
        if not self.enabled:
            return
        if self.stream.isatty():
            self.stream.write("\r" + self.line())
        else:
            self.stream.write(self.line() + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled and self.stream.isatty() and self.done:
            self.stream.write("\n")
            self.stream.flush()

    def __enter__(self) -> RowProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
