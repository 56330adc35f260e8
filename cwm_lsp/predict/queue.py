"""The model worker's priority queue: debugger steps first, then what the user looks at."""

from __future__ import annotations

import heapq
import itertools
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, Generic, TypeVar

from cwm_lsp.model.api import WorldModel

T = TypeVar("T")


class Priority(IntEnum):
    """Lower runs first."""

    #: Loading or reloading the model: nothing else can run before it.
    LOAD = 0
    #: A debugger step: the user is waiting on it.
    DEBUGGER = 1
    #: The function the user is editing or asked for explicitly.
    ACTIVE = 2
    #: Functions in the visible range of an editor.
    VISIBLE = 3
    #: Everything else in open documents.
    BACKGROUND = 4


@dataclass
class JobContext:
    """What a job gets on the worker thread."""

    model: WorldModel | None
    should_stop: Callable[[], bool]


def _never() -> bool:
    return False


@dataclass(eq=False)
class Job(Generic[T]):
    """One unit of work for the model thread.

    ``is_stale`` is asked before the job starts (a stale job is dropped) and,
    with :attr:`stop_requested`, between tokens while it runs.
    """

    fn: Callable[[JobContext], T]
    priority: int
    future: Future[T] = field(default_factory=Future)
    is_stale: Callable[[], bool] = _never
    needs_model: bool = True
    stop_requested: bool = False
    label: str = ""
    #: when the model's process dies under the job: 1 run it again, 0 fail it with the
    #: death, -1 (a job that is the second try) fail it as one that killed the model twice
    retries: int = 0

    def should_stop(self) -> bool:
        return self.stop_requested or self.is_stale()


class JobQueue:
    """A thread-safe priority queue of :class:`Job` with re-prioritisation.

    FIFO within one priority.  ``reprioritize`` pushes the job again; the old
    entry is skipped when popped.
    """

    def __init__(self) -> None:
        self._heap: list[tuple[int, int, Job[Any]]] = []
        self._seq = itertools.count()
        self._lock = threading.Condition()
        self._closed = False

    def put(self, job: Job[Any]) -> None:
        with self._lock:
            heapq.heappush(self._heap, (job.priority, next(self._seq), job))
            self._lock.notify()

    def reprioritize(self, job: Job[Any], priority: int) -> bool:
        """Move a queued job to a more urgent priority; False if it is no longer queued."""
        with self._lock:
            if job.future.done() or job.future.running() or priority >= job.priority:
                return False
            job.priority = priority
            heapq.heappush(self._heap, (priority, next(self._seq), job))
            self._lock.notify()
            return True

    def get(self, timeout: float | None = None) -> Job[Any] | None:
        """The most urgent pending job, or None on timeout or when closed."""
        with self._lock:
            while True:
                while self._heap:
                    priority, _, job = heapq.heappop(self._heap)
                    if priority != job.priority or job.future.done() or job.future.running():
                        continue  # an outdated entry of a re-prioritised or finished job
                    return job
                if self._closed:
                    return None
                if not self._lock.wait(timeout):
                    return None

    def pending(self) -> list[Job[Any]]:
        with self._lock:
            return [
                job
                for priority, _, job in self._heap
                if priority == job.priority and not job.future.done() and not job.future.running()
            ]

    def __len__(self) -> int:
        return len(self.pending())

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._lock.notify_all()
