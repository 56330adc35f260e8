"""The training progress line on stderr: a bar, the loss, tokens per second, the ETA.

On a terminal the line is rewritten in place; otherwise (a log file) a full
line is written at most every ``interval`` seconds, and always for the last step.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

_BAR = 24


def clock(seconds: float) -> str:
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s"


class ProgressLine:
    def __init__(self, total: int, *, stream: TextIO | None = None, interval: float = 30.0) -> None:
        self.total = total
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.interval = interval
        self._last = 0.0

    def line(
        self,
        step: int,
        *,
        loss: float,
        mean_loss: float,
        tokens_per_second: float,
        elapsed: float,
        eta: float,
        budget_left: float | None,
    ) -> str:
        done = int(_BAR * step / self.total) if self.total else _BAR
        bar = "#" * done + "." * (_BAR - done)
        budget = f", budget left {clock(budget_left)}" if budget_left is not None else ""
        return (
            f"[{bar}] step {step}/{self.total} loss {loss:.3f} (mean {mean_loss:.3f}) "
            f"{tokens_per_second:.0f} tok/s, {clock(elapsed)} elapsed, ETA {clock(eta)}{budget}"
        )

    def show(self, text: str, *, last: bool = False) -> None:
        now = time.monotonic()
        if self.tty:
            self.stream.write("\r\x1b[K" + text + ("\n" if last else ""))
        elif last or now - self._last >= self.interval:
            self.stream.write(text + "\n")
        else:
            return
        self._last = now
        self.stream.flush()

    def note(self, text: str) -> None:
        """A message on its own line (the bar, on a terminal, is redrawn by the next step)."""
        self.stream.write(("\r\x1b[K" if self.tty else "") + text + "\n")
        self.stream.flush()
