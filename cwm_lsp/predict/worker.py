"""One thread owns the model: it loads it, then runs jobs from a priority queue.

A llama.cpp context is not thread-safe, so every model call in the server (the
language features and a debug adapter hosted in the server) goes through
:meth:`ModelWorker.submit` and runs here.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import replace
from typing import Any, TypeVar

from cwm_lsp.model.api import ModelConfig, ModelLoadError, Progress, WorldModel
from cwm_lsp.predict.queue import Job, JobContext, JobQueue, Priority
from cwm_lsp.predict.status import ModelStatus

T = TypeVar("T")
log = logging.getLogger(__name__)

#: load_model(config, progress) -> WorldModel; raises ModelLoadError.
Loader = Callable[[ModelConfig, Progress], WorldModel]
StatusListener = Callable[[ModelStatus], None]


class ModelUnavailable(RuntimeError):
    """A job needed the model, but it failed to load (the message says why)."""


class ModelWorker:
    """The model thread, its queue, its status and its counters."""

    def __init__(self, loader: Loader, on_status: StatusListener | None = None) -> None:
        self._loader = loader
        self._on_status = on_status
        self._queue = JobQueue()
        self._model: WorldModel | None = None
        self._load_error: str | None = None
        self._loaded = threading.Event()
        self._status = ModelStatus(state="loading", message="waiting for the model")
        self._status_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._current: Job[Any] | None = None
        self._jobs: dict[int, Job[Any]] = {}
        #: jobs that ran (started on the thread), by label
        self.jobs_run: dict[str, int] = {}
        #: jobs dropped before they started because they were stale
        self.jobs_dropped = 0
        self.loads = 0

    # -- lifecycle -------------------------------------------------------------------------

    def start(self, config: ModelConfig) -> None:
        """Start the thread and load ``config`` in the background."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="cwm-model", daemon=True)
            self._thread.start()
        self.load(config)

    def load(self, config: ModelConfig) -> Future[None]:
        """(Re)load the model on the worker thread, before any other queued job."""
        self._loaded.clear()
        self._set_status(
            state="loading", progress=0.0, message=f"loading {config.path or 'default model'}"
        )
        job: Job[None] = Job(
            fn=lambda ctx: self._load(config),
            priority=Priority.LOAD,
            needs_model=False,
            label="load",
        )
        self._queue.put(job)
        return job.future

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping = True
        if self._current is not None:
            self._current.stop_requested = True
        for job in self._queue.pending():
            job.future.cancel()
        self._queue.close()
        if self._thread is not None:
            # the thread closes the model itself when its current job stops
            self._thread.join(timeout)

    # -- jobs ------------------------------------------------------------------------------

    def submit(
        self,
        fn: Callable[[JobContext], T],
        priority: int = Priority.BACKGROUND,
        *,
        is_stale: Callable[[], bool] | None = None,
        needs_model: bool = True,
        label: str = "job",
    ) -> Future[T]:
        """Run ``fn(JobContext)`` on the model thread; its result arrives in the Future.

        ``is_stale`` is checked before the job starts (stale jobs are cancelled
        without running) and is part of ``ctx.should_stop`` while it runs.
        A job that needs the model fails with :class:`ModelUnavailable` when
        the model failed to load.
        """
        job: Job[T] = Job(fn=fn, priority=priority, needs_model=needs_model, label=label)
        if is_stale is not None:
            job.is_stale = is_stale
        if needs_model and self._load_error is not None and self._loaded.is_set():
            job.future.set_exception(ModelUnavailable(self._load_error))
            return job.future
        self._jobs[id(job.future)] = job
        job.future.add_done_callback(lambda f: self._jobs.pop(id(f), None))
        self._queue.put(job)
        return job.future

    def reprioritize(self, future: Future[Any], priority: int) -> bool:
        job = self._jobs.get(id(future))
        return job is not None and self._queue.reprioritize(job, priority)

    def request_stop(self, future: Future[Any]) -> None:
        """Cancel a queued job, or ask a running one to stop between tokens."""
        job = self._jobs.get(id(future))
        if job is None:
            return
        if not future.cancel():
            job.stop_requested = True

    def pending(self) -> int:
        return len(self._queue)

    @property
    def busy(self) -> bool:
        return self._current is not None and self._current.needs_model

    @property
    def model(self) -> WorldModel | None:
        """The loaded model; only for use on the worker thread."""
        return self._model

    @property
    def status(self) -> ModelStatus:
        return self._status

    @property
    def load_error(self) -> str | None:
        return self._load_error

    def wait_loaded(self, timeout: float | None = None) -> bool:
        return self._loaded.wait(timeout)

    def note_throughput(self, tokens: int, seconds: float) -> None:
        if tokens > 0 and seconds > 0:
            self._set_status(tokens_per_second=tokens / seconds)

    # -- the thread ------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            self._serve()
        finally:
            model, self._model = self._model, None
            if model is not None:
                try:
                    model.close()
                except Exception:
                    log.exception("closing the model failed")

    def _serve(self) -> None:
        while not self._stopping:
            job = self._queue.get(timeout=0.5)
            if job is None:
                continue
            if job.is_stale():
                self.jobs_dropped += 1
                job.future.cancel()
                continue
            if not job.future.set_running_or_notify_cancel():
                continue
            if job.needs_model and self._model is None:
                job.future.set_exception(ModelUnavailable(self._load_error or "no model loaded"))
                continue
            self._current = job
            self.jobs_run[job.label] = self.jobs_run.get(job.label, 0) + 1
            if job.needs_model:
                self._set_status(state="busy")
            try:
                result = job.fn(JobContext(model=self._model, should_stop=job.should_stop))
            except BaseException as exc:  # the job's failure belongs to its caller
                job.future.set_exception(exc)
            else:
                job.future.set_result(result)
            finally:
                self._current = None
                if job.needs_model and self._model is not None and self._queue_idle():
                    self._set_status(state="ready")

    def _queue_idle(self) -> bool:
        return not any(j.needs_model for j in self._queue.pending())

    def _load(self, config: ModelConfig) -> None:
        self.loads += 1
        old, self._model = self._model, None
        if old is not None:
            try:
                old.close()
            except Exception:
                log.exception("closing the previous model failed")
        self._load_error = None

        def progress(fraction: float, message: str) -> None:
            self._set_status(
                state="loading", progress=max(0.0, min(1.0, fraction)), message=message
            )

        started = time.monotonic()
        try:
            model = self._loader(config, progress)
        except ModelLoadError as exc:
            self._fail(str(exc), config)
            return
        except Exception as exc:  # a broken file can make llama.cpp raise anything
            self._fail(f"cannot load model {config.path or 'default'}: {exc}", config)
            return
        self._model = model
        info = model.info
        log.info("model %s loaded in %.1f s", info.path, time.monotonic() - started)
        self._set_status(
            state="ready",
            progress=1.0,
            message=f"{info.name or info.path} ready",
            model=info.path,
            format=info.format,
        )
        self._loaded.set()

    def _fail(self, message: str, config: ModelConfig) -> None:
        log.error("%s", message)
        self._load_error = message
        self._set_status(state="error", progress=0.0, message=message, model=config.path or "")
        self._loaded.set()
        # jobs queued while loading fail now instead of waiting forever
        for job in self._queue.pending():
            if job.needs_model and not job.future.done():
                job.future.set_exception(ModelUnavailable(message))

    def _set_status(self, **changes: Any) -> None:
        with self._status_lock:
            new = replace(self._status, **changes)
            if new == self._status:
                return
            self._status = new
        if self._on_status is not None:
            try:
                self._on_status(new)
            except Exception:
                log.exception("status listener failed")
