"""Predictions for the language server: cache, de-duplication, staleness, counters.

Callers say which keys each document wants (``set_wanted``) and ask for the
ones they need now (``ensure``).  A key is predicted at most once while it is
cached; a queued job no document wants any more is dropped before it starts,
a running one is asked to stop between tokens, and a cancelled result is
never cached or announced.

While a prediction runs, its trace so far is published as a *partial*
prediction (``Prediction.partial``), at most once per :data:`STREAM_INTERVAL`
seconds (the first frames at once): editors show the first lines while the
model imagines the rest.  Partial predictions live beside the cache, never in
it; the finished one replaces it, and a cancelled or failed run leaves none.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from cwm_lsp.model.api import HoleFill, Imagined, ModelDied
from cwm_lsp.predict.keys import FillKey, PredictionKey
from cwm_lsp.predict.queue import JobContext, Priority
from cwm_lsp.predict.worker import JobKilledModel, ModelUnavailable, ModelWorker
from cwm_lsp.trace import Trace

log = logging.getLogger(__name__)

Key = PredictionKey | FillKey

#: seconds between two partial results of one running prediction
STREAM_INTERVAL = 0.5


@dataclass(frozen=True)
class Prediction:
    """An imagined execution, or why there is none."""

    key: PredictionKey
    imagined: Imagined | None
    error: str = ""
    #: the trace so far of a prediction still running (never cached)
    partial: bool = False


@dataclass(frozen=True)
class Fills:
    key: FillKey
    candidates: list[HoleFill] = field(default_factory=list)
    error: str = ""


Result = Prediction | Fills


class PredictionService:
    def __init__(
        self,
        worker: ModelWorker,
        on_result: Callable[[Key], None] | None = None,
        cache_size: int = 4096,
    ) -> None:
        self._worker = worker
        self._on_result = on_result
        self._cache: OrderedDict[Key, Result] = OrderedDict()
        self._cache_size = cache_size
        self._in_flight: dict[Key, Future[Result | None]] = {}
        self._partial: dict[Key, Prediction] = {}
        self._wanted: dict[str, set[Key]] = {}
        self._lock = threading.RLock()
        self._failures_logged: set[str] = set()
        #: model calls started, by kind ("imagine", "fill")
        self.model_calls: dict[str, int] = {"imagine": 0, "fill": 0}
        #: tokens the last finished prediction had the model evaluate (its prompt included)
        self.last_tokens_evaluated = 0

    # -- queries (any thread, never block) ------------------------------------------------

    def get(self, key: Key) -> Result | None:
        with self._lock:
            result = self._cache.get(key)
            if result is not None:
                self._cache.move_to_end(key)
            return result

    def prediction(self, key: PredictionKey) -> Prediction | None:
        """The finished prediction of ``key``, else its trace so far while it runs."""
        result = self.get(key)
        if isinstance(result, Prediction):
            return result
        with self._lock:
            return self._partial.get(key)

    def fills(self, key: FillKey) -> Fills | None:
        result = self.get(key)
        return result if isinstance(result, Fills) else None

    def in_flight(self, key: Key) -> bool:
        with self._lock:
            return key in self._in_flight

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {
                "modelCalls": sum(self.model_calls.values()),
                "imagineCalls": self.model_calls["imagine"],
                "fillCalls": self.model_calls["fill"],
                "cached": len(self._cache),
                "inFlight": len(self._in_flight),
                "queued": self._worker.pending(),
                "droppedStale": self._worker.jobs_dropped,
                "lastTokensEvaluated": self.last_tokens_evaluated,
            }

    # -- scheduling -----------------------------------------------------------------------

    def set_wanted(self, owner: str, keys: Iterable[Key]) -> None:
        """Replace what ``owner`` (a document) wants; work nobody wants any more stops."""
        with self._lock:
            self._wanted[owner] = set(keys)
            for key, future in list(self._in_flight.items()):
                if not self._is_wanted(key):
                    self._worker.request_stop(future)

    def drop_owner(self, owner: str) -> None:
        self.set_wanted(owner, ())
        with self._lock:
            self._wanted.pop(owner, None)

    def ensure(
        self, key: Key, priority: int = Priority.BACKGROUND, owner: str | None = None
    ) -> bool:
        """Schedule ``key`` unless cached; returns True when a result is cached already."""
        with self._lock:
            if owner is not None:
                self._wanted.setdefault(owner, set()).add(key)
            if key in self._cache:
                return True
            future = self._in_flight.get(key)
            if future is not None:
                self._worker.reprioritize(future, priority)
                return False
            run = self._imagine_job(key) if isinstance(key, PredictionKey) else self._fill_job(key)
            future = self._worker.submit(
                run,
                priority,
                is_stale=lambda: not self._is_wanted(key),
                label=type(key).__name__,
                retry_if_model_dies=True,
            )
            self._in_flight[key] = future
        future.add_done_callback(lambda f: self._finished(key, f))
        return False

    def forget(self, key: Key) -> None:
        """Drop a cached result (``simulate again``)."""
        with self._lock:
            self._cache.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()

    # -- internals ------------------------------------------------------------------------

    def _is_wanted(self, key: Key) -> bool:
        with self._lock:
            return any(key in keys for keys in self._wanted.values())

    def _imagine_job(self, key: PredictionKey) -> Callable[[JobContext], Result | None]:
        def run(ctx: JobContext) -> Result | None:
            assert ctx.model is not None
            with self._lock:
                self.model_calls["imagine"] += 1
            started = time.monotonic()
            try:
                imagined = ctx.model.imagine(
                    key.source,
                    key.function,
                    key.args,
                    temperature=key.temperature,
                    max_frames=key.max_frames,
                    should_stop=ctx.should_stop,
                    on_frame=self._streamer(key, ctx),
                )
            except ModelDied:
                raise  # the worker restarts the model and runs this job again
            except Exception as exc:
                if ctx.should_stop():
                    return None
                self._log_once(f"{key.function}: the model failed: {exc!r}")
                return Prediction(key, None, error=f"{type(exc).__name__}: {exc}")
            if imagined.cancelled or ctx.should_stop():
                return None
            tokens = imagined.tokens_generated
            self.last_tokens_evaluated = imagined.tokens_evaluated
            self._worker.note_throughput(tokens, imagined.seconds or time.monotonic() - started)
            return Prediction(key, imagined)

        return run

    def _streamer(self, key: PredictionKey, ctx: JobContext) -> Callable[[Trace], None]:
        """Publish the trace so far: the first frames at once, then once per interval."""
        last = [0.0]

        def on_frame(trace: Trace) -> None:
            now = time.monotonic()
            if ctx.should_stop() or (len(trace.frames) > 2 and now - last[0] < STREAM_INTERVAL):
                return
            last[0] = now
            partial = Prediction(key, Imagined(trace=trace), partial=True)
            with self._lock:
                if key not in self._in_flight:
                    return
                self._partial[key] = partial
                wanted = self._is_wanted(key)
            if wanted and self._on_result is not None:
                self._announce(key)

        return on_frame

    def _fill_job(self, key: FillKey) -> Callable[[JobContext], Result | None]:
        def run(ctx: JobContext) -> Result | None:
            assert ctx.model is not None
            with self._lock:
                self.model_calls["fill"] += 1
            try:
                candidates = ctx.model.fill_hole(
                    key.source, key.start, key.end, n=key.n, should_stop=ctx.should_stop
                )
            except ModelDied:
                raise  # the worker restarts the model and runs this job again
            except Exception as exc:
                if ctx.should_stop():
                    return None
                self._log_once(f"filling a hole failed: {exc!r}")
                return Fills(key, [], error=f"{type(exc).__name__}: {exc}")
            if ctx.should_stop():
                return None
            return Fills(key, list(candidates))

        return run

    def _finished(self, key: Key, future: Future[Result | None]) -> None:
        result: Result | None = None
        if not future.cancelled():
            exc = future.exception()
            if isinstance(exc, JobKilledModel):
                # the model died twice while predicting this: keep the error, do not try again
                self._log_once(f"prediction stopped: {exc}")
                result = _failed(key, exc)
            elif isinstance(exc, (ModelUnavailable, ModelDied)):
                pass  # reported once by the server through the status; retried after a reload
            elif exc is not None:
                self._log_once(f"prediction job failed: {exc!r}")
            else:
                result = future.result()
        with self._lock:
            had_partial = False
            if self._in_flight.get(key) is future:
                del self._in_flight[key]
                had_partial = self._partial.pop(key, None) is not None
            retract = result is None and had_partial and self._is_wanted(key)
        if result is None:
            if retract and self._on_result is not None:
                self._announce(key)  # the half-shown trace goes away
            return
        with self._lock:
            self._cache[key] = result
            self._cache.move_to_end(key)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
            wanted = self._is_wanted(key)
        if wanted and self._on_result is not None:
            self._announce(key)

    def _announce(self, key: Key) -> None:
        assert self._on_result is not None
        try:
            self._on_result(key)
        except Exception:
            log.exception("result listener failed")

    def _log_once(self, message: str) -> None:
        if message not in self._failures_logged:
            self._failures_logged.add(message)
            log.warning("%s", message)


def _failed(key: Key, exc: BaseException) -> Result:
    """The result that says why ``key`` has no prediction."""
    error = f"{type(exc).__name__}: {exc}"
    if isinstance(key, PredictionKey):
        return Prediction(key, None, error=error)
    return Fills(key, [], error=error)
