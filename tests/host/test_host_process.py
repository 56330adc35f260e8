"""The model host process itself: the real default model in a child process, faults injected for real.

Each test starts its own host (a fresh child process) and checks by process
tree that nothing is left behind.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cwm_lsp.host.process import HostProcess
from cwm_lsp.host.world import HostWorldModel
from cwm_lsp.model import ModelConfig, ModelLoadError, load_model
from cwm_lsp.model.api import ModelDied
from cwm_lsp.trace import Trace

from .processes import hosts_under, still_running

pytest.importorskip("llama_cpp")

CONFIG = ModelConfig(n_ctx=2048, host="process")
ADD_ONE = "def add_one(n):\n    result = n + 1\n    return result\n"
COUNT = (
    "def count(n):\n"
    "    total = 0\n"
    "    for i in range(n):\n"
    "        total = total + i\n"
    "    return total\n"
)


@pytest.fixture
def host_model() -> Iterator[HostWorldModel]:
    try:
        model = HostWorldModel.start(CONFIG)
    except ModelLoadError as error:
        pytest.skip(f"default model unavailable: {error}")
    yield model
    model.close()
    assert still_running([model.pid]) == []


def test_a_host_without_a_model_answers_and_ends_when_closed() -> None:
    host = HostProcess()
    assert host.call("pid") == host.pid
    assert [p.pid for p in hosts_under()] == [host.pid]
    host.close()
    assert still_running([host.pid]) == []
    assert not host.alive or host.death is not None


@pytest.mark.model
@pytest.mark.slow
def test_the_host_imagines_what_the_model_imagines_in_this_process(
    host_model: HostWorldModel,
) -> None:
    inline = load_model(ModelConfig(n_ctx=2048))
    try:
        here = inline.imagine(ADD_ONE, "add_one", "4", max_frames=8)
    finally:
        inline.close()
    streamed: list[Trace] = []
    there = host_model.imagine(ADD_ONE, "add_one", "4", max_frames=8, on_frame=streamed.append)
    assert there.trace.frames == here.trace.frames
    assert there.trace.reason == here.trace.reason
    assert there.trace.return_value == "5"
    # the frames streamed while it ran are the trace's own, in order
    assert streamed and streamed[-1].frames == there.trace.frames[: len(streamed[-1].frames)]
    assert host_model.info.path == inline.info.path


@pytest.mark.model
@pytest.mark.slow
def test_a_stepping_session_in_the_host_steps_back_and_forward(
    host_model: HostWorldModel,
) -> None:
    session = host_model.session(ADD_ONE, "add_one", args="4")
    entry = session.reset()
    assert (entry.event, entry.line, dict(entry.locals)) == ("call", 1, {"n": "4"})
    session.step()
    third = session.step()
    assert third.line == 3 and third.locals["result"] == "5"
    assert session.back().line == 2 and session.index == 1 and len(session.frames) == 2
    assert session.step() == third  # regenerated the same at temperature 0
    assert session.current == third and session.trace.frames == session.frames
    session.close()


@pytest.mark.model
@pytest.mark.slow
def test_kill_9_mid_imagine_fails_the_call_at_once_with_how_the_host_died(
    host_model: HostWorldModel,
) -> None:
    first_frame = threading.Event()
    outcome: list[BaseException | object] = []

    def imagine() -> None:
        try:
            outcome.append(
                host_model.imagine(
                    COUNT, "count", "50", max_frames=200, on_frame=lambda t: first_frame.set()
                )
            )
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=imagine)
    thread.start()
    assert first_frame.wait(300), "the host streamed no frame"
    killed = time.monotonic()
    os.kill(host_model.pid, signal.SIGKILL)
    thread.join(10)
    assert not thread.is_alive(), "the call hung after the host died"
    assert time.monotonic() - killed < 5
    (error,) = outcome
    assert isinstance(error, ModelDied)
    assert f"pid {host_model.pid}" in str(error) and "SIGKILL" in str(error)
    assert not host_model.alive
    with pytest.raises(ModelDied):  # later calls fail at once too
        host_model.imagine(ADD_ONE, "add_one", "1")
    assert still_running([host_model.pid], timeout=3) == []


def test_a_host_ends_when_its_server_is_killed_with_sigkill() -> None:
    """kill -9 of the server leaves no host: the host ends when its pipe closes."""
    script = (
        "import sys, time\n"
        "from cwm_lsp.host.process import HostProcess\n"
        "host = HostProcess()\n"
        "print(host.call('pid'), flush=True)\n"
        "time.sleep(600)\n"
    )
    server = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None
    host_pid = int(server.stdout.readline())
    assert [p.pid for p in hosts_under(server.pid)] == [host_pid]
    server.kill()
    server.wait(10)
    assert still_running([host_pid], timeout=5) == [], "the host outlived its server"


def test_a_file_that_is_no_model_fails_to_load_in_the_host_with_its_path(tmp_path: Path) -> None:
    junk = tmp_path / "junk.gguf"
    junk.write_bytes(b"GGUF" + os.urandom(4096))
    before = {p.pid for p in hosts_under()}
    with pytest.raises(ModelLoadError) as raised:
        HostWorldModel.start(ModelConfig(path=str(junk), host="process"))
    assert str(junk) in str(raised.value)
    assert {p.pid for p in hosts_under()} - before == set()


@pytest.mark.model
@pytest.mark.slow
def test_replacing_the_model_file_while_loaded_keeps_the_loaded_model_working(
    tmp_path: Path,
) -> None:
    """The host maps the file it opened; a file written over the path later does not reach it."""
    from cwm_lsp.model.default import ensure_default_model

    copy = tmp_path / "model.gguf"
    shutil.copyfile(ensure_default_model(verify=False), copy)
    model = HostWorldModel.start(ModelConfig(path=str(copy), n_ctx=2048, host="process"))
    try:
        replacement = tmp_path / "new.gguf"
        replacement.write_bytes(b"GGUF" + os.urandom(1 << 16))
        os.replace(replacement, copy)
        imagined = model.imagine(ADD_ONE, "add_one", "4", max_frames=8)
        assert imagined.trace.return_value == "5"
    finally:
        model.close()
    assert still_running([model.pid]) == []
