"""Faults injected for real, each followed by a process-tree check that nothing is left:
the editor closing stdin without ``shutdown``; the model host killed under a debug
session; the debuggee and debugpy killed in a compare session; traces whose reprs are
enormous.  The real server, the real ``cwm-lsp dap``, the real default model, real debugpy.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped]
import pytest
from dap.conftest import StdioAdapter, marked_processes, start_stdio_adapter, wait_until_gone
from dap.programs import MIX, TOTAL
from lsp.conftest import REPO, SERVER_COMMAND

from cwm_lsp.host.world import HostWorldModel
from cwm_lsp.model import ModelConfig
from cwm_lsp.trace import Frame

from .processes import hosts_under, live_descendants, still_running, wait_for

pytestmark = [pytest.mark.model, pytest.mark.slow, pytest.mark.timeout(1200)]
pytest.importorskip("llama_cpp")

#: seconds for a model load or a few steps on a busy 2-core machine
MODEL_WAIT = 600.0


def _frame(message: dict[str, Any]) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def test_closing_stdin_without_shutdown_ends_the_server_and_its_host() -> None:
    server = subprocess.Popen(
        SERVER_COMMAND,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert server.stdin is not None
    try:
        server.stdin.write(
            _frame(
                {
                    "jsonrpc": "2.0",
                    "id": 1,
                    "method": "initialize",
                    "params": {"processId": os.getpid(), "capabilities": {}, "rootUri": None},
                }
            )
            + _frame({"jsonrpc": "2.0", "method": "initialized", "params": {}})
        )
        server.stdin.flush()
        wait_for(lambda: bool(hosts_under(server.pid)), 120, "the server's model host")
        tree = [p.pid for p in live_descendants(server.pid)]
        server.stdin.close()  # the editor went away: no shutdown, no exit
        server.wait(10)
        assert still_running(tree, timeout=5) == [], "children outlived the server"
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


# -- debug sessions --------------------------------------------------------------------------


@pytest.fixture
def adapter() -> Iterator[StdioAdapter]:
    adapter = start_stdio_adapter()
    yield adapter
    adapter.stop()


def _launch(program: Path, function: str, args: str, **extra: Any) -> dict[str, Any]:
    return {
        "program": str(program),
        "function": function,
        "args": args,
        "maxFrames": 30,
        "temperature": 0.0,
        **extra,
    }


def _disconnect_and_check_nothing_is_left(adapter: StdioAdapter) -> None:
    adapter.client.call("disconnect", {"terminateDebuggee": True})
    adapter.process.wait(15)
    assert wait_until_gone(adapter.mark, timeout=5) == []


def test_a_debug_session_whose_model_host_dies_ends_with_a_message_not_a_hang(
    adapter: StdioAdapter, tmp_path: Path
) -> None:
    program = tmp_path / "total.py"
    program.write_text(TOTAL, encoding="utf-8")
    client = adapter.client
    stop = client.start(_launch(program, "total", "(3,)"), timeout=MODEL_WAIT)
    assert stop["event"] == "stopped", client.output_text()
    (host,) = hosts_under(adapter.process.pid)
    client.call("continue", {"threadId": 1})  # the model imagines frame after frame
    time.sleep(1.0)
    killed = time.monotonic()
    os.kill(host.pid, signal.SIGKILL)
    ended = client.wait_event("terminated", 30)
    assert ended["event"] == "terminated" and time.monotonic() - killed < 30
    text = client.output_text()
    assert f"the model host (pid {host.pid}) killed by SIGKILL" in text, text
    assert still_running([host.pid], timeout=3) == []
    # the next session starts a new host and works
    client.call("restart", {"arguments": _launch(program, "total", "(2,)")})
    stop = client.wait_event(("stopped", "terminated"), MODEL_WAIT)
    assert stop["event"] == "stopped" and stop["body"]["reason"] == "entry", client.output_text()
    (second,) = hosts_under(adapter.process.pid)
    assert second.pid != host.pid
    _disconnect_and_check_nothing_is_left(adapter)


def _debugpy_processes(adapter: StdioAdapter) -> tuple[list[psutil.Process], list[psutil.Process]]:
    """(the debuggee, debugpy's own processes) under the adapter."""
    debuggee, debugpy = [], []
    for process in live_descendants(adapter.process.pid):
        command = " ".join(process.cmdline())
        if "cwm_launch.py" in command:
            debuggee.append(process)
        elif "debugpy" in command:
            debugpy.append(process)
    return debuggee, debugpy


@pytest.mark.parametrize("victim", ["debuggee", "debugpy"])
def test_killing_the_real_side_of_a_compare_session_gives_a_message_and_leaves_no_process(
    adapter: StdioAdapter, tmp_path: Path, victim: str
) -> None:
    program = tmp_path / "mix.py"
    program.write_text(MIX, encoding="utf-8")
    client = adapter.client
    stop = client.start(_launch(program, "mix", "(4,)", mode="compare"), timeout=MODEL_WAIT)
    assert stop["event"] == "stopped", client.output_text()
    debuggee, debugpy = _debugpy_processes(adapter)
    assert debuggee and debugpy, [p.cmdline() for p in live_descendants(adapter.process.pid)]
    targets = debuggee if victim == "debuggee" else debugpy + debuggee
    for process in targets:
        process.kill()
    # the imagined side goes on or the session ends; either way with word of the real side
    moved = client.move("next", timeout=MODEL_WAIT)
    assert moved["event"] in ("stopped", "terminated")
    if moved["event"] == "stopped":
        client.call("threads")  # the adapter still answers
        moved = client.move("continue", timeout=MODEL_WAIT)
    text = client.output_text()
    assert "real" in text and ("ended" in text or "debugpy" in text), text
    assert still_running([p.pid for p in targets], timeout=5) == []
    _disconnect_and_check_nothing_is_left(adapter)
    assert marked_processes(adapter.mark) == []


# -- enormous reprs --------------------------------------------------------------------------


def test_a_real_trace_with_enormous_reprs_is_cut_and_leaves_no_process(trace_source: Any) -> None:
    before = {p.pid for p in live_descendants(os.getpid())}
    trace = trace_source(
        """
        def big(n):
            s = "ab" * n
            parts = [s] * 3
            return len(parts[0])
        """,
        "big",
        "3_000_000",
    )
    assert trace.return_value == "6000000"
    longest = max(len(v) for f in trace.frames for v in f.locals.values())
    assert longest <= 1000
    assert {p.pid for p in live_descendants(os.getpid())} - before == set()


def test_enormous_reprs_through_the_model_host_give_a_clear_error_and_the_host_lives() -> None:
    """2 MB values cross the pipe; the model says the trace does not fit, and goes on."""
    model = HostWorldModel.start(ModelConfig(n_ctx=2048, host="process"))
    try:
        huge = "'" + "ab" * 1_000_000 + "'"
        source = "def f(s):\n    t = s + s\n    return t\n"
        real = [
            Frame("call", 1, "def f(s):", {"s": huge}),
            Frame("line", 2, "    t = s + s", {"s": huge}),
            Frame("line", 3, "    return t", {"s": huge, "t": huge[:-1] + huge[1:]}),
            Frame("return", 3, "    return t", value=huge),
        ]
        states = model.next_states(source, "f", huge, real)
        assert "context" in states.error and "tokens" in states.error, states
        imagined = model.imagine(source, "f", huge, max_frames=4)
        assert imagined.trace.error and "context" in imagined.trace.error
        assert model.alive
        small = model.imagine("def g(n):\n    return n\n", "g", "3", max_frames=4)
        assert small.trace.return_value == "3"
    finally:
        model.close()
    assert still_running([model.pid]) == []
