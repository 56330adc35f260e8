"""When a model host dies: how long to wait before starting it again, and when to give up.

The delays grow (:data:`RESTART_DELAYS`); after that many deaths in a row,
with no model job finished between them, the worker gives up and says so.
A finished job, or a reload the user asks for, starts the count again, so a
host that dies now and then (the soak kills it every few minutes) is always
restarted, and one that cannot stay up is not restarted for ever.
"""

from __future__ import annotations

import threading

#: seconds before each restart of a run of deaths; one more death gives up
RESTART_DELAYS: tuple[float, ...] = (0.5, 2.0, 5.0)


class RestartPolicy:
    def __init__(self, delays: tuple[float, ...] = RESTART_DELAYS) -> None:
        self.delays = delays
        self._in_a_row = 0
        self._lock = threading.Lock()
        #: restarts started since the worker began (all runs together)
        self.restarts = 0

    @property
    def in_a_row(self) -> int:
        return self._in_a_row

    def next_delay(self) -> float | None:
        """The wait before the next restart, or None: give up."""
        with self._lock:
            if self._in_a_row >= len(self.delays):
                self._in_a_row += 1
                return None
            delay = self.delays[self._in_a_row]
            self._in_a_row += 1
            self.restarts += 1
            return delay

    def succeeded(self) -> None:
        """A model job finished on the running host: the run of deaths is over."""
        with self._lock:
            self._in_a_row = 0

    def reset(self) -> None:
        self.succeeded()

    def give_up_message(self, why: str) -> str:
        return (
            f"{why}; it died {self._in_a_row} times in a row, so cwm stopped restarting it. "
            "Change a model setting or restart the language server to try again"
        )
