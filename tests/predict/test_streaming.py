"""A running prediction streams its trace so far; the finished one replaces it; a cancelled
one leaves nothing behind."""

from __future__ import annotations

import time

from cwm_lsp.predict import ModelWorker, PredictionKey, PredictionService

from .scripted_model import ScriptedModel

LONG = "def f(n):\n" + "".join(f"    n = n + {i}\n" for i in range(12)) + "    return n\n"


def key(text: str = LONG) -> PredictionKey:
    return PredictionKey(
        source=text, function="f", args="f(1)", model="m", temperature=0.0, max_frames=50
    )


def wait_for(condition, timeout: float = 5.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


def test_the_first_frames_arrive_before_the_trace_is_finished(
    worker: ModelWorker, model: ScriptedModel
) -> None:
    model.frame_delay = 0.1
    announced: list[int] = []
    service = PredictionService(worker)
    service._on_result = lambda k: announced.append(  # type: ignore[assignment]
        len(p.imagined.trace.frames) if (p := service.prediction(k)) and p.imagined else 0
    )
    service.ensure(key(), owner="doc")

    assert wait_for(lambda: (p := service.prediction(key())) is not None and p.partial)
    partial = service.prediction(key())
    assert partial is not None and partial.imagined is not None
    assert 2 <= len(partial.imagined.trace.frames) < 14
    assert service.get(key()) is None  # the cache holds only finished traces

    assert wait_for(lambda: (p := service.prediction(key())) is not None and not p.partial)
    final = service.prediction(key())
    assert final is not None and final.imagined is not None
    assert final.imagined.trace.return_value == "0"
    assert len(announced) >= 3  # partial results, then the final one
    # Throttled: twelve frames over ~1.2 s give a handful of refreshes, not one per frame.
    assert len(announced) <= 8


def test_a_cancelled_prediction_leaves_no_half_trace(
    worker: ModelWorker, model: ScriptedModel
) -> None:
    model.frame_delay = 0.1
    service = PredictionService(worker)
    service.ensure(key(), owner="doc")
    assert wait_for(lambda: (p := service.prediction(key())) is not None and p.partial)

    service.set_wanted("doc", set())  # the document changed: stop it

    assert wait_for(lambda: not service.in_flight(key()))
    assert service.prediction(key()) is None  # neither a partial nor a cached trace
    assert service.get(key()) is None
