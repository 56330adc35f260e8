"""Predictions: the cache, de-duplication, staleness and the call counters."""

from __future__ import annotations

import threading

from cwm_lsp.predict import FillKey, ModelWorker, PredictionKey, PredictionService, Priority

from .scripted_model import ScriptedModel


def key(
    text: str = "def f(n):\n    return n\n", args: str | None = "f(1)", model: str = "m"
) -> PredictionKey:
    return PredictionKey(
        source=text, function="f", args=args, model=model, temperature=0.0, max_frames=50
    )


def settle(service: PredictionService, worker: ModelWorker) -> None:
    worker.submit(lambda ctx: None, 99, needs_model=False).result(5)


def test_an_unchanged_function_is_predicted_once(worker: ModelWorker, model: ScriptedModel) -> None:
    service = PredictionService(worker)
    service.set_wanted("doc", {key()})
    service.ensure(key())
    service.ensure(key())  # in flight: not queued twice
    settle(service, worker)
    assert service.ensure(key()) is True  # cached now
    assert service.model_calls["imagine"] == 1
    assert service.prediction(key()) is not None


def test_a_different_input_or_model_is_a_different_prediction(worker: ModelWorker) -> None:
    service = PredictionService(worker)
    keys = [key(), key(args="f(2)"), key(model="other")]
    service.set_wanted("doc", keys)
    for k in keys:
        service.ensure(k)
    settle(service, worker)
    assert service.model_calls["imagine"] == 3


def test_results_arrive_through_the_listener(worker: ModelWorker) -> None:
    arrived = threading.Event()
    service = PredictionService(worker, on_result=lambda k: arrived.set())
    service.ensure(key(), owner="doc")
    assert arrived.wait(5)


def test_work_no_document_wants_any_more_is_dropped_and_not_cached(
    worker: ModelWorker, model: ScriptedModel
) -> None:
    service = PredictionService(worker)
    model.gate.clear()
    old, new = key("def f(n):\n    return 1\n"), key("def f(n):\n    return 2\n")
    service.ensure(old, owner="doc")
    assert model.started.wait(5)
    queued = key("def f(n):\n    return 3\n")
    service.ensure(queued, owner="doc")
    service.set_wanted("doc", {new})  # the document changed: old and queued are stale
    service.ensure(new)
    model.gate.set()
    settle(service, worker)
    assert service.prediction(old) is None  # stopped mid-way, discarded
    assert service.prediction(queued) is None  # never started
    assert service.prediction(new) is not None
    assert service.model_calls["imagine"] == 2


def test_hole_fills_are_cached_like_predictions(worker: ModelWorker) -> None:
    service = PredictionService(worker)
    fill = FillKey(source="x = ??\n", start=4, end=6, model="m")
    service.ensure(fill, Priority.ACTIVE, owner="doc")
    settle(service, worker)
    fills = service.fills(fill)
    assert fills is not None and [c.text for c in fills.candidates] == ["1", "x +"]
    service.ensure(fill, owner="doc")
    assert service.model_calls["fill"] == 1


def test_a_model_error_is_cached_as_a_failed_prediction(
    worker: ModelWorker, model: ScriptedModel
) -> None:
    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("the model cannot trace this")

    model.imagine = broken  # type: ignore[method-assign]
    service = PredictionService(worker)
    service.ensure(key(), owner="doc")
    settle(service, worker)
    prediction = service.prediction(key())
    assert prediction is not None and prediction.imagined is None
    assert "cannot trace" in prediction.error
    assert service.ensure(key(), owner="doc") is True  # not retried in a loop
