"""The model worker: one thread, priorities, staleness, load failures."""

from __future__ import annotations

import threading
import time

from cwm_lsp.model.api import ModelConfig, ModelLoadError
from cwm_lsp.predict import JobContext, ModelExecutor, ModelUnavailable, ModelWorker, Priority

from .scripted_model import ScriptedModel


def _block(model: ScriptedModel, worker: ModelWorker) -> None:
    """Hold the model busy with one background call."""
    model.gate.clear()
    worker.submit(lambda ctx: ctx.model.imagine("a\nb", "blocker"), Priority.BACKGROUND)  # type: ignore[union-attr]
    assert model.started.wait(5)


def test_every_model_call_runs_on_the_one_model_thread(
    worker: ModelWorker, model: ScriptedModel
) -> None:
    futures = [
        worker.submit(lambda ctx: ctx.model.imagine("x\ny", "f"), Priority.BACKGROUND)  # type: ignore[union-attr]
        for _ in range(3)
    ]
    for f in futures:
        f.result(5)
    assert model.threads == {"cwm-model"}


def test_debugger_steps_run_before_background_work(
    worker: ModelWorker, model: ScriptedModel
) -> None:
    _block(model, worker)
    order: list[str] = []
    done = [
        worker.submit(lambda ctx: order.append("background"), Priority.BACKGROUND),
        worker.submit(lambda ctx: order.append("visible"), Priority.VISIBLE),
        worker.submit(lambda ctx: order.append("debugger"), Priority.DEBUGGER),
    ]
    model.gate.set()
    for f in done:
        f.result(5)
    assert order == ["debugger", "visible", "background"]


def test_a_queued_job_can_move_up(worker: ModelWorker, model: ScriptedModel) -> None:
    _block(model, worker)
    order: list[str] = []
    first = worker.submit(lambda ctx: order.append("first"), Priority.VISIBLE)
    late = worker.submit(lambda ctx: order.append("late"), Priority.BACKGROUND)
    assert worker.reprioritize(late, Priority.ACTIVE)
    model.gate.set()
    first.result(5)
    late.result(5)
    assert order == ["late", "first"]


def test_a_job_that_went_stale_before_starting_never_runs(
    worker: ModelWorker, model: ScriptedModel
) -> None:
    _block(model, worker)
    stale = threading.Event()
    ran: list[bool] = []
    future = worker.submit(lambda ctx: ran.append(True), Priority.BACKGROUND, is_stale=stale.is_set)
    stale.set()
    model.gate.set()
    worker.submit(lambda ctx: None, Priority.BACKGROUND).result(5)
    assert future.cancelled() and not ran
    assert worker.jobs_dropped == 1


def test_a_running_job_is_told_to_stop_between_tokens(
    worker: ModelWorker, model: ScriptedModel
) -> None:
    model.gate.clear()
    future = worker.submit(
        lambda ctx: ctx.model.imagine("a\nb", "f", should_stop=ctx.should_stop),  # type: ignore[union-attr]
        Priority.BACKGROUND,
    )
    assert model.started.wait(5)
    worker.request_stop(future)
    assert future.result(5).cancelled


def test_a_model_that_fails_to_load_fails_jobs_with_the_reason(worker: ModelWorker) -> None:
    worker.load(ModelConfig(path="missing.gguf")).result(5)
    assert worker.status.state == "error"
    assert "missing.gguf" in worker.status.message and "no such file" in worker.status.message
    future = worker.submit(lambda ctx: None, Priority.ACTIVE)
    exc = future.exception(5)
    assert isinstance(exc, ModelUnavailable) and "no such file" in str(exc)


def test_reloading_after_a_failure_serves_again(worker: ModelWorker) -> None:
    worker.load(ModelConfig(path="missing.gguf")).result(5)
    worker.load(ModelConfig(path="scripted.gguf")).result(5)
    assert worker.status.state == "ready"
    assert worker.submit(lambda ctx: ctx.model is not None, Priority.ACTIVE).result(5)


def test_loading_reports_progress_to_the_status_listener(model: ScriptedModel) -> None:
    seen: list[tuple[str, float]] = []

    def load(config: ModelConfig, progress: object) -> ScriptedModel:
        progress(0.5, "half way")  # type: ignore[operator]
        return model

    w = ModelWorker(load, on_status=lambda s: seen.append((s.state, s.progress)))  # type: ignore[arg-type]
    w.start(ModelConfig())
    assert w.wait_loaded(5)
    w.stop()
    assert ("loading", 0.5) in seen and seen[-1][0] == "ready"


def test_the_executor_runs_calls_on_the_model_thread_first(
    worker: ModelWorker, model: ScriptedModel
) -> None:
    executor = ModelExecutor(worker)
    _block(model, worker)
    order: list[str] = []
    background = worker.submit(lambda ctx: order.append("background"), Priority.BACKGROUND)
    step = executor.submit(lambda: order.append(threading.current_thread().name))
    got_model = executor.submit_model(lambda m: m is model)
    model.gate.set()
    background.result(5)
    step.result(5)
    assert got_model.result(5)
    assert order == ["cwm-model", "background"]


def test_job_context_hands_over_the_model(worker: ModelWorker, model: ScriptedModel) -> None:
    def job(ctx: JobContext) -> bool:
        return ctx.model is model and not ctx.should_stop()

    assert worker.submit(job, Priority.ACTIVE).result(5)


def test_a_server_that_is_not_up_is_tried_again_with_growing_waits_until_it_answers(
    model: ScriptedModel,
) -> None:
    """The editor may start before the model server: each load tries once, the status
    says why it failed, jobs fail at once meanwhile, and the worker loads again by
    itself after 0.5 s, then 1 s, ... up to the cap, until the server answers."""
    up = threading.Event()
    tries: list[int] = []
    statuses: list[tuple[str, str, float]] = []

    def load(config: ModelConfig, progress: object) -> ScriptedModel:
        tries.append(config.connect_attempts)
        if not up.is_set():
            raise ModelLoadError(
                "http://127.0.0.1:9", "cannot reach http://127.0.0.1:9/props: connection refused",
                transient=True,
            )  # fmt: skip
        return model

    w = ModelWorker(load, on_status=lambda s: statuses.append((s.state, s.message, s.retry_in)))  # type: ignore[arg-type]
    w.start(ModelConfig(endpoint="http://127.0.0.1:9", reconnect_max_delay=1.0))
    try:
        deadline = time.monotonic() + 10
        while len(tries) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(tries) >= 3 and set(tries) == {1}  # one try per load, the worker retries
        assert w.status.state == "error"
        assert "cannot reach http://127.0.0.1:9/props: connection refused" in w.status.message
        waits = [retry for state, _, retry in statuses if state == "error"]
        assert waits[:2] == [0.5, 1.0] and max(waits) == 1.0  # doubling, up to the cap
        assert isinstance(w.submit(lambda ctx: None).exception(5), ModelUnavailable)  # at once

        up.set()
        deadline = time.monotonic() + 10
        while w.status.state != "ready" and time.monotonic() < deadline:
            time.sleep(0.05)
        assert w.status.state == "ready" and w.status.retry_in == 0
        assert w.submit(lambda ctx: ctx.model is model).result(5)
    finally:
        w.stop()


def test_a_load_error_that_will_not_pass_is_not_tried_again(model: ScriptedModel) -> None:
    tries: list[str] = []

    def load(config: ModelConfig, progress: object) -> ScriptedModel:
        tries.append("load")
        raise ModelLoadError("http://127.0.0.1:9", "/props answered 401: bad key")

    w = ModelWorker(load)  # type: ignore[arg-type]
    w.start(ModelConfig(endpoint="http://127.0.0.1:9", reconnect_max_delay=0.5))
    try:
        assert w.wait_loaded(5)
        time.sleep(1.2)
        assert tries == ["load"] and w.status.state == "error" and w.status.retry_in == 0
    finally:
        w.stop()
