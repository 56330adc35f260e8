"""Imagine mode end to end: the real `cwm-lsp dap` process with the real default model.

One adapter process (one model load) serves the whole module; each test
starts a fresh session with ``restart`` (new launch arguments) so the tests
stay independent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import StdioAdapter, marked_processes, start_stdio_adapter, wait_until_gone
from .dap_client import DapTestClient
from .programs import TOTAL

pytestmark = [pytest.mark.model, pytest.mark.slow]


@pytest.fixture(scope="module")
def program(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("imagine") / "total.py"
    path.write_text(TOTAL, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def adapter(program: Path) -> Iterator[StdioAdapter]:
    adapter = start_stdio_adapter()
    stop = adapter.client.start(_launch(program), timeout=600)
    assert stop["event"] == "stopped", adapter.client.output_text()
    yield adapter
    adapter.stop()


def _launch(program: Path, **extra: Any) -> dict[str, Any]:
    return {
        "type": "cwm",
        "request": "launch",
        "program": str(program),
        "function": "total",
        "args": "(2,)",
        "maxFrames": 12,
        "temperature": 0.0,
        **extra,
    }


@pytest.fixture
def fresh(adapter: StdioAdapter, program: Path) -> Callable[..., DapTestClient]:
    def restart(**extra: Any) -> DapTestClient:
        client = adapter.client
        client.call("restart", {"arguments": _launch(program, **extra)})
        stop = client.wait_event(("stopped", "terminated"), 600)
        assert stop["event"] == "stopped" and stop["body"]["reason"] == "entry", (
            client.output_text()
        )
        return client

    return restart


def test_launch_stops_on_entry_at_the_def_line_with_the_arguments_bound(
    fresh: Callable[..., DapTestClient],
) -> None:
    client = fresh()
    assert client.top()["line"] == 5
    assert client.top()["name"] == "total"
    assert client.variables()["n"]["value"].split()[0] == "2"
    assert "inputs: total(2)" in client.output_text()


def test_next_moves_to_the_next_imagined_line_and_shows_locals_with_confidence(
    fresh: Callable[..., DapTestClient],
) -> None:
    client = fresh()
    stop = client.move("next", timeout=600)
    assert stop["event"] == "stopped" and stop["body"]["reason"] == "step"
    assert client.top()["line"] == 6
    client.move("next", timeout=600)
    assert client.top()["line"] == 7
    acc = client.variables()["acc"]
    assert acc["value"].startswith("0  (p=")  # acc = 0 ran: the model is sure of that
    assert acc["type"].startswith("imagined p=")


def test_step_back_returns_to_the_previous_frame_and_stepping_again_regenerates_it(
    fresh: Callable[..., DapTestClient],
) -> None:
    client = fresh()
    client.move("stepIn", timeout=600)
    after_one = (client.top()["line"], client.variables())
    client.move("stepIn", timeout=600)
    client.move("stepBack", timeout=600)
    assert (client.top()["line"], client.variables()) == after_one
    client.move("stepIn", timeout=600)  # temperature 0: the same frame again
    assert client.top()["line"] == 7


def test_continue_runs_to_a_breakpoint(fresh: Callable[..., DapTestClient], program: Path) -> None:
    client = fresh()
    client.call("setBreakpoints", {"source": {"path": str(program)}, "breakpoints": [{"line": 8}]})
    stop = client.move("continue", timeout=600)
    assert stop["event"] == "stopped" and stop["body"]["reason"] == "breakpoint"
    assert client.top()["line"] == 8
    client.call("setBreakpoints", {"source": {"path": str(program)}, "breakpoints": []})


def test_set_variable_edits_the_imagined_state_and_the_model_continues_from_it(
    fresh: Callable[..., DapTestClient],
) -> None:
    client = fresh()
    client.move("next", timeout=600)  # line 6: acc = 0, n == 2
    ref = client.call("scopes", {"frameId": client.top()["id"]})["scopes"][0]["variablesReference"]
    assert (
        client.call("setVariable", {"variablesReference": ref, "name": "n", "value": "5"})["value"]
        == "5"
    )
    assert client.variables()["n"]["value"].startswith("5")
    client.move("next", timeout=600)
    assert client.variables()["n"]["value"].split()[0] == "5"  # the edit carried forward


def test_disconnect_ends_the_adapter_and_leaves_no_process_behind(adapter: StdioAdapter) -> None:
    assert marked_processes(adapter.mark), "the adapter process carries the mark"
    adapter.client.call("disconnect", {})
    assert adapter.process.wait(30) == 0
    assert wait_until_gone(adapter.mark) == []
