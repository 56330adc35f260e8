"""Compare mode end to end: the real `cwm-lsp dap`, the real default model, real debugpy.

``mix(4)`` is arithmetic the 0.5B model gets wrong, so imagined and real
part ways naturally; the test checks the reported divergence against the
two threads' own stack and variables, and that the stop before it agreed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import StdioAdapter, marked_processes, start_stdio_adapter, wait_until_gone
from .dap_client import DapTestClient
from .programs import MIX

pytestmark = [pytest.mark.model, pytest.mark.slow]


def _values(client: DapTestClient, thread: int) -> dict[str, str]:
    """name -> value as the thread shows it (the imagined confidence suffix dropped)."""
    return {name: v["value"].split("  (p=")[0] for name, v in client.variables(thread).items()}


def _world(client: DapTestClient, thread: int) -> tuple[int, dict[str, str]]:
    return client.top(thread)["line"], _values(client, thread)


@pytest.fixture(scope="module")
def program(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("compare") / "mix.py"
    path.write_text(MIX, encoding="utf-8")
    return path


def _launch(program: Path, **extra: Any) -> dict[str, Any]:
    return {
        "program": str(program),
        "function": "mix",
        "args": "(4,)",
        "mode": "compare",
        "maxFrames": 12,
        **extra,
    }


@pytest.fixture(scope="module")
def adapter(program: Path) -> Iterator[StdioAdapter]:
    adapter = start_stdio_adapter()
    stop = adapter.client.start(_launch(program), timeout=600)
    assert stop["event"] == "stopped", adapter.client.output_text()
    yield adapter
    adapter.stop()


def test_both_threads_start_at_the_call_with_the_same_arguments(adapter: StdioAdapter) -> None:
    client = adapter.client
    assert [t["name"] for t in client.call("threads")["threads"]] == ["imagined", "real"]
    assert _world(client, 1) == _world(client, 2) == (1, {"n": "4"})


def test_continue_stops_where_imagined_and_real_first_differ(adapter: StdioAdapter) -> None:
    client = adapter.client
    stop = client.move("continue", timeout=900)
    assert stop["event"] == "stopped", client.output_text()
    description = stop["body"].get("description", "")
    assert description.startswith("diverged: ")
    imagined, real = _world(client, 1), _world(client, 2)
    assert imagined != real, "the stop must be where the two worlds differ"
    mismatches = client.variables(1, "Mismatches")
    differing = {n for n in set(imagined[1]) | set(real[1]) if imagined[1].get(n) != real[1].get(n)}
    assert differing <= set(mismatches)
    assert imagined[0] != real[0] or differing, (imagined, real)
    # the real side computed what Python computes
    truth = {"n": "4", "x": "3", "y": "23"}
    assert all(truth[name] == value for name, value in real[1].items() if name in truth)
    assert "diverged: " in client.output_text()
    # ... and one frame earlier the two worlds still agreed
    client.move("stepBack", timeout=600)
    assert _world(client, 1) == _world(client, 2)
    assert client.variables(1, "Mismatches") == {}


def test_set_variable_sets_the_value_in_both_worlds(adapter: StdioAdapter, program: Path) -> None:
    client = adapter.client
    client.call("restart", {"arguments": _launch(program)})
    assert client.wait_event("stopped", 600)["body"]["reason"] == "entry"
    client.move("next", timeout=600)  # line 2, n == 4 in both worlds
    ref = client.call("scopes", {"frameId": client.top()["id"]})["scopes"][0]["variablesReference"]
    client.call("setVariable", {"variablesReference": ref, "name": "n", "value": "9"})
    assert _values(client, 1)["n"] == _values(client, 2)["n"] == "9"
    client.move("next", timeout=600)  # the real program really computes x from n = 9
    assert _values(client, 2)["x"] == str(9 * 7 % 5)


def test_disconnect_ends_debugpy_the_debuggee_and_the_adapter(adapter: StdioAdapter) -> None:
    assert len(marked_processes(adapter.mark)) >= 3, "adapter, debugpy and the debuggee run"
    adapter.client.call("disconnect", {})
    assert adapter.process.wait(30) == 0
    assert wait_until_gone(adapter.mark) == []


def test_a_client_that_closes_stdin_without_disconnect_leaves_no_process_behind(
    program: Path,
) -> None:
    adapter = start_stdio_adapter()
    try:
        stop = adapter.client.start(_launch(program, stopOnEntry=True), timeout=600)
        assert stop["event"] == "stopped"
        assert len(marked_processes(adapter.mark)) >= 3
        assert adapter.process.stdin is not None
        adapter.process.stdin.close()  # EOF: the editor went away
        assert adapter.process.wait(60) == 0
        assert wait_until_gone(adapter.mark) == []
    finally:
        adapter.stop()
