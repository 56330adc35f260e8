"""An Executor whose work runs on the model thread, for rooms that host model calls.

The debug adapter, when hosted in the language server, steps its imagined
session through this executor so that it shares the one model with the
language features (and goes first: debugger steps have the top priority).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any, TypeVar

from cwm_lsp.model.api import WorldModel
from cwm_lsp.predict.queue import Priority
from cwm_lsp.predict.worker import ModelUnavailable, ModelWorker

T = TypeVar("T")


class ModelExecutor(Executor):
    """``submit(fn, *args)`` runs ``fn(*args)`` on the model thread at one priority.

    ``submit_model(fn)`` runs ``fn(model)`` there, which is how a caller gets
    hold of the :class:`WorldModel` (for ``model.session(...)``) without
    touching it from another thread.
    """

    def __init__(self, worker: ModelWorker, priority: int = Priority.DEBUGGER) -> None:
        self._worker = worker
        self._priority = priority
        self._shutdown = False

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        if self._shutdown:
            raise RuntimeError("cannot schedule new work after shutdown")
        return self._worker.submit(
            lambda ctx: fn(*args, **kwargs), self._priority, needs_model=False, label="executor"
        )

    def submit_model(self, fn: Callable[[WorldModel], T]) -> Future[T]:
        """Run ``fn(model)`` on the model thread once the model is loaded."""
        if self._shutdown:
            raise RuntimeError("cannot schedule new work after shutdown")

        def run(ctx: Any) -> T:
            if ctx.model is None:
                raise ModelUnavailable(self._worker.load_error or "no model loaded")
            return fn(ctx.model)

        return self._worker.submit(run, self._priority, label="executor")

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._shutdown = True
