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

from cwm_lsp.model.api import (
    HostedModel,
    ModelConfig,
    ModelDied,
    ModelLoadError,
    Progress,
    WorldModel,
)
from cwm_lsp.predict.queue import Job, JobContext, JobQueue, Priority
from cwm_lsp.predict.restarts import RestartPolicy
from cwm_lsp.predict.status import ModelStatus

T = TypeVar("T")
log = logging.getLogger(__name__)

#: seconds before the first new try to load a model whose server could not be reached
#: (then doubling, up to ``ModelConfig.reconnect_max_delay``)
RECONNECT_FIRST_DELAY = 0.5

#: load_model(config, progress) -> WorldModel; raises ModelLoadError.
Loader = Callable[[ModelConfig, Progress], WorldModel]
StatusListener = Callable[[ModelStatus], None]


class ModelUnavailable(RuntimeError):
    """A job needed the model, but it failed to load (the message says why)."""


class JobKilledModel(ModelDied):
    """The model's process died twice while this job ran: it is not tried again."""


class ModelWorker:
    """The model thread, its queue, its status and its counters."""

    def __init__(
        self,
        loader: Loader,
        on_status: StatusListener | None = None,
        *,
        restart_delays: tuple[float, ...] | None = None,
    ) -> None:
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
        #: the configuration last asked for (a dead model host restarts with it)
        self._config: ModelConfig | None = None
        self._restart_policy = (
            RestartPolicy(restart_delays) if restart_delays is not None else RestartPolicy()
        )
        #: counts loads; a death is handled once, for the model it killed
        self._generation = 0
        self._dead_generation = -1
        self._death_lock = threading.Lock()
        self._wake = threading.Event()
        #: the pending new try to reach a model server that was not up
        self._reconnect_timer: threading.Timer | None = None
        #: tries to reach it since the last load asked for (0: none failed)
        self.reconnects = 0

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
        self._config = config
        self._cancel_reconnect()
        self.reconnects = 0
        self._restart_policy.reset()
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
        self._wake.set()
        self._cancel_reconnect()
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
        retry_if_model_dies: bool = False,
    ) -> Future[T]:
        """Run ``fn(JobContext)`` on the model thread; its result arrives in the Future.

        ``is_stale`` is checked before the job starts (stale jobs are cancelled
        without running) and is part of ``ctx.should_stop`` while it runs.
        A job that needs the model fails with :class:`ModelUnavailable` when
        the model failed to load.  ``retry_if_model_dies``: when the model's
        process dies under the job, it runs again (once) on the restarted
        model instead of failing with :class:`~cwm_lsp.model.api.ModelDied`.
        """
        job: Job[T] = Job(
            fn=fn,
            priority=priority,
            needs_model=needs_model,
            label=label,
            retries=1 if retry_if_model_dies else 0,
        )
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
            dead = self._dead_model() if job.needs_model else None
            if dead is not None:
                # the host died while idle and its restart is not queued yet: queue it first
                self._model_died(self._generation, dead)
                self._queue.put(job)
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
            except ModelDied as exc:
                self._model_died_under(job, exc)
            except BaseException as exc:  # the job's failure belongs to its caller
                job.future.set_exception(exc)
            else:
                if job.needs_model:
                    self._restart_policy.succeeded()
                job.future.set_result(result)
            finally:
                self._current = None
                if (
                    job.needs_model
                    and self._model is not None
                    and self._dead_model() is None
                    and self._queue_idle()
                ):
                    self._set_status(state="ready")

    def _queue_idle(self) -> bool:
        return not any(j.needs_model for j in self._queue.pending())

    def _load(self, config: ModelConfig, *, reconnect: bool = False) -> None:
        """Load ``config`` on the worker thread.

        ``reconnect``: a new try to reach a model server that could not be
        reached; the error status stays (and jobs keep failing at once) until
        it answers.
        """
        self.loads += 1
        old, self._model = self._model, None
        if old is not None:
            try:
                old.close()
            except Exception:
                log.exception("closing the previous model failed")
        if not reconnect:
            self._load_error = None

        def progress(fraction: float, message: str) -> None:
            if reconnect and fraction < 1.0:
                return  # still the error status until the server answers
            self._set_status(
                state="loading", progress=max(0.0, min(1.0, fraction)), message=message
            )

        started = time.monotonic()
        try:
            # one try to reach a server per load: the worker tries again by itself
            model = self._loader(replace(config, connect_attempts=1), progress)
        except ModelDied as exc:
            # its process died while loading: one more death, restarted or given up on
            self._generation += 1
            self._model_died(self._generation, f"{exc} (while loading the model)")
            return
        except ModelLoadError as exc:
            if exc.transient and config is self._config and not self._stopping:
                self._fail_and_reconnect(str(exc), config)
            else:
                self._fail(str(exc), config)
            return
        except Exception as exc:  # a broken file can make llama.cpp raise anything
            self._fail(f"cannot load model {config.path or 'default'}: {exc}", config)
            return
        self._model = model
        self._load_error = None
        self.reconnects = 0
        self._generation += 1
        if isinstance(model, HostedModel):
            generation = self._generation
            model.on_death = lambda why: self._model_died(generation, why)
        info = model.info
        log.info("model %s loaded in %.1f s", info.path, time.monotonic() - started)
        self._set_status(
            state="ready",
            progress=1.0,
            message=f"{info.name or info.path} ready",
            model=info.path,
            format=info.format,
            calibration=_calibration_path(model),
            retry_in=0.0,
        )
        self._loaded.set()

    # -- a model server that cannot be reached ------------------------------------------------

    def _fail_and_reconnect(self, message: str, config: ModelConfig) -> None:
        """The server could not be reached (not up yet, or loading): say so, fail the
        jobs that wait, and load again after a wait that doubles up to the setting's cap."""
        cap = max(RECONNECT_FIRST_DELAY, config.reconnect_max_delay)
        delay = min(cap, RECONNECT_FIRST_DELAY * 2 ** min(self.reconnects, 30))
        self.reconnects += 1
        log.warning("%s; trying again in %g s", message, delay)
        self._fail(f"{message}; cwm tries again by itself", config, retry_in=delay)

        def due() -> None:
            if self._stopping or self._config is not config:
                return
            self._queue.put(
                Job(
                    fn=lambda ctx: self._reconnect(config),
                    priority=Priority.LOAD,
                    needs_model=False,
                    label="reconnect",
                )
            )

        timer = threading.Timer(delay, due)
        timer.daemon = True
        self._cancel_reconnect()
        self._reconnect_timer = timer
        timer.start()

    def _reconnect(self, config: ModelConfig) -> None:
        if self._stopping or self._config is not config:
            return  # another load was asked for meanwhile
        self._load(config, reconnect=True)

    def _cancel_reconnect(self) -> None:
        timer, self._reconnect_timer = self._reconnect_timer, None
        if timer is not None:
            timer.cancel()

    # -- a model host that died -------------------------------------------------------------

    @property
    def restarts(self) -> int:
        """Model hosts started again after one died (since the worker began)."""
        return self._restart_policy.restarts

    def _dead_model(self) -> str | None:
        """Why the loaded model's process died (None: it runs, or it lives in this process)."""
        model = self._model
        if isinstance(model, HostedModel) and not model.alive:
            return model.death or "the model host ended"
        return None

    def _model_died_under(self, job: Job[Any], exc: ModelDied) -> None:
        """On the worker thread: the model died while ``job`` ran; queue it again or fail it.

        A job can also hold a session of a host that died before the one now loaded
        (a debug session of the last host): that is no new death, the model is not restarted.
        """
        if self._dead_model() is not None:
            self._model_died(self._generation, str(exc))
        if job.retries > 0 and not job.should_stop():
            retry: Job[Any] = Job(
                fn=job.fn,
                priority=job.priority,
                is_stale=job.is_stale,
                needs_model=job.needs_model,
                label=job.label,
                retries=-1,
            )
            # the caller holds the first job's future: stopping or re-prioritising it
            # reaches the retry, and the retry's outcome becomes its outcome
            self._jobs[id(job.future)] = retry
            retry.future.add_done_callback(lambda done: _pass_on(done, job.future))
            self._queue.put(retry)
            log.info("the model died under a %s job: it runs again after the restart", job.label)
        elif job.retries < 0:
            job.future.set_exception(
                JobKilledModel(f"{exc} (the second time while this ran: it is not tried again)")
            )
        else:
            job.future.set_exception(exc)

    def _model_died(self, generation: int, why: str) -> None:
        """Any thread: the model of ``generation`` died; restart it after a delay, or give up."""
        with self._death_lock:
            if (
                self._stopping
                or generation != self._generation
                or self._dead_generation == generation
            ):
                return
            self._dead_generation = generation
        config = self._config
        delay = self._restart_policy.next_delay()
        self._loaded.clear()
        if delay is None or config is None:
            message = self._restart_policy.give_up_message(why)
            self._queue.put(
                Job(
                    fn=lambda ctx: self._give_up(message, config),
                    priority=Priority.LOAD,
                    needs_model=False,
                    label="give up",
                )
            )
            return
        policy = self._restart_policy
        self._set_status(
            state="loading",
            progress=0.0,
            message=f"{why}; restarting it in {delay:g} s "
            f"(restart {policy.in_a_row} of {len(policy.delays)})",
            restarts=policy.restarts,
        )
        self._queue.put(
            Job(
                fn=lambda ctx: self._restart(config, delay),
                priority=Priority.LOAD,
                needs_model=False,
                label="restart",
            )
        )

    def _restart(self, config: ModelConfig, delay: float) -> None:
        if self._wake.wait(delay) or self._stopping:
            return  # only stop() sets the event
        log.warning("restarting the model host (restart %d)", self.restarts)
        self._load(config)

    def _give_up(self, message: str, config: ModelConfig | None) -> None:
        old, self._model = self._model, None
        if old is not None:
            try:
                old.close()
            except Exception:
                log.exception("closing the dead model failed")
        self._fail(message, config or ModelConfig())

    def _fail(self, message: str, config: ModelConfig, *, retry_in: float = 0.0) -> None:
        if not retry_in:
            log.error("%s", message)
        self._load_error = message
        self._set_status(
            state="error",
            progress=0.0,
            message=message,
            model=config.path or "",
            retry_in=retry_in,
        )
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


def _pass_on(done: Future[Any], target: Future[Any]) -> None:
    """A retried job finished: its outcome is the first job's (whose future the caller holds)."""
    if target.done():
        return
    if done.cancelled():
        target.set_exception(ModelUnavailable("dropped after the model restarted: not wanted"))
        return
    exc = done.exception()
    if exc is not None:
        target.set_exception(exc)
    else:
        target.set_result(done.result())


def _calibration_path(model: WorldModel) -> str:
    """The calibration file the model's confidences go through ("" for none, or a model
    that keeps no calibration, such as a scripted one)."""
    calibration = getattr(model, "calibration", None)
    return str(getattr(calibration, "path", "") or "") if calibration is not None else ""
