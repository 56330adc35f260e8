"""The model worker keeps a dead model host going: it says so, restarts it with backoff,
runs the prediction that was in flight again, and gives up with a clear message when the
host cannot stay up.  The real default model in real host processes; kill -9 for real.
"""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cwm_lsp.host.world import HostWorldModel
from cwm_lsp.model import ModelConfig
from cwm_lsp.model.api import ModelDied
from cwm_lsp.predict import ModelStatus, ModelUnavailable, ModelWorker, PredictionService, Priority
from cwm_lsp.predict.keys import PredictionKey
from cwm_lsp.predict.loading import load_world_model
from cwm_lsp.predict.service import Prediction

from .processes import hosts_under, still_running, wait_for

pytestmark = [pytest.mark.model, pytest.mark.slow, pytest.mark.timeout(900)]
pytest.importorskip("llama_cpp")

CONFIG = ModelConfig(n_ctx=2048, host="process")
LOAD_WAIT = 300.0
COUNT = (
    "def count(n):\n"
    "    total = 0\n"
    "    for i in range(n):\n"
    "        total = total + i\n"
    "    return total\n"
)


class Recorder:
    def __init__(self) -> None:
        self.statuses: list[ModelStatus] = []
        self.lock = threading.Lock()

    def __call__(self, status: ModelStatus) -> None:
        with self.lock:
            self.statuses.append(status)

    def messages(self, state: str) -> list[str]:
        with self.lock:
            return [s.message for s in self.statuses if s.state == state]


def host_of(worker: ModelWorker) -> HostWorldModel:
    model = worker.model
    assert isinstance(model, HostWorldModel), model
    return model


def wait_ready(worker: ModelWorker, timeout: float = LOAD_WAIT) -> None:
    wait_for(
        lambda: worker.status.state in ("ready", "error") and worker.wait_loaded(0),
        timeout,
        "the model to be ready",
    )
    assert worker.status.state == "ready", worker.status


@pytest.fixture
def started() -> Iterator[tuple[ModelWorker, Recorder]]:
    recorder = Recorder()
    worker = ModelWorker(load_world_model, on_status=recorder, restart_delays=(0.2, 0.5, 1.0))
    worker.start(CONFIG)
    wait_ready(worker)
    yield worker, recorder
    worker.stop(timeout=10)
    assert still_running([p.pid for p in hosts_under()], timeout=5) == []


def test_kill_9_mid_prediction_restarts_the_host_and_the_prediction_arrives(
    started: tuple[ModelWorker, Recorder],
) -> None:
    worker, recorder = started
    results: list[object] = []
    service = PredictionService(worker, on_result=results.append)
    key = PredictionKey(COUNT, "count", "4", model="default", temperature=0.0, max_frames=60)
    service.set_wanted("doc", {key})
    service.ensure(key, Priority.ACTIVE)
    first = host_of(worker)
    # a debug session's stepping session, opened on the first host
    old_session = worker.submit(
        lambda ctx: ctx.model.session(COUNT, "count", args="2"), Priority.DEBUGGER
    ).result(LOAD_WAIT)
    # mid-prediction: the model has streamed frames of it, and it is still running
    wait_for(
        lambda: (p := service.prediction(key)) is not None and p.partial,
        LOAD_WAIT,
        "the first frames of the prediction",
    )
    os.kill(first.pid, signal.SIGKILL)
    wait_for(lambda: isinstance(service.get(key), Prediction), LOAD_WAIT, "the re-run prediction")
    result = service.get(key)
    assert isinstance(result, Prediction) and result.imagined is not None, result
    trace = result.imagined.trace
    assert trace.function == "count" and trace.frames[0].locals == {"n": "4"}
    assert trace.reason.value == "returned" and not result.error
    # the status said so, the host was restarted once, and the dead one is gone
    died = [m for m in recorder.messages("loading") if "killed by SIGKILL" in m]
    assert died and f"pid {first.pid}" in died[0] and "restarting it in 0.2 s" in died[0]
    assert worker.restarts == 1 and worker.status.restarts == 1
    assert worker.status.state == "ready"
    second = host_of(worker)
    assert second.pid != first.pid and second.alive
    assert still_running([first.pid], timeout=3) == []
    assert [p.pid for p in hosts_under()] == [second.pid]
    # the session of the dead host fails with how it died, and restarts nothing
    stale = worker.submit(lambda ctx: old_session.step(), Priority.DEBUGGER, needs_model=False)
    with pytest.raises(ModelDied, match="killed by SIGKILL"):
        stale.result(30)
    time.sleep(1.0)
    assert worker.restarts == 1 and host_of(worker) is second and second.alive


def test_a_host_that_keeps_dying_is_given_up_on_with_a_clear_message_until_a_reload(
    started: tuple[ModelWorker, Recorder],
) -> None:
    worker, recorder = started
    killed: list[int] = []
    for _ in range(4):  # the first host, then each of the three restarts, dies idle
        pid = host_of(worker).pid
        os.kill(pid, signal.SIGKILL)
        killed.append(pid)
        wait_for(lambda: worker.status.state != "ready", 10, "the worker to notice the death")
        wait_for(
            lambda: worker.status.state in ("ready", "error") and worker.wait_loaded(0),
            LOAD_WAIT,
            "a restart or giving up",
        )
    assert worker.status.state == "error"
    message = worker.status.message
    assert "killed by SIGKILL" in message and "4 times in a row" in message
    assert "stopped restarting" in message
    assert worker.restarts == 3
    assert still_running(killed, timeout=3) == []
    assert hosts_under() == []
    # jobs fail at once instead of waiting for a model that will not come
    future = worker.submit(lambda ctx: None)
    with pytest.raises(ModelUnavailable):
        future.result(5)
    # asking for the model again (a settings change, a reload) starts over
    worker.load(CONFIG)
    wait_ready(worker)
    assert host_of(worker).alive and len(hosts_under()) == 1
    assert any("stopped restarting" in m for m in recorder.messages("error"))


def test_a_model_file_replaced_while_loaded_fails_the_restart_with_its_path_and_cause(
    tmp_path: Path,
) -> None:
    from cwm_lsp.model.default import ensure_default_model

    copy = tmp_path / "model.gguf"
    shutil.copyfile(ensure_default_model(verify=False), copy)
    recorder = Recorder()
    worker = ModelWorker(load_world_model, on_status=recorder, restart_delays=(0.2,))
    config = ModelConfig(path=str(copy), n_ctx=2048, host="process")
    worker.start(config)
    try:
        wait_ready(worker)
        junk = tmp_path / "junk.gguf"
        junk.write_bytes(b"GGUF" + os.urandom(1 << 16))
        os.replace(junk, copy)
        pid = host_of(worker).pid
        os.kill(pid, signal.SIGKILL)
        wait_for(lambda: worker.status.state == "error", LOAD_WAIT, "the failed restart")
        assert str(copy) in worker.status.message and "cannot load model" in worker.status.message
        assert worker.model is None and worker.load_error
        assert still_running([pid], timeout=3) == [] and hosts_under() == []
    finally:
        worker.stop(timeout=10)
    time.sleep(0.1)
    assert hosts_under() == []
