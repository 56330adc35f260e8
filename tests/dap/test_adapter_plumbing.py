"""Request dispatch and imagine-mode stepping, with a scripted model (no llama.cpp).

These tests pin down the adapter's own logic; test_imagine_model.py runs
the same requests against the real model.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from cwm_lsp.model.api import ModelLoadError

from .conftest import InProcessAdapter
from .programs import RAISES, RAISES_TRACE, TOTAL, total_trace


def _launch(program: Path, function: str = "total", **extra: object) -> dict[str, object]:
    return {"program": str(program), "function": function, "args": "(2,)", **extra}


def test_initialize_advertises_step_back_set_variable_restart_and_configuration_done(
    scripted_adapter: Callable[..., InProcessAdapter],
) -> None:
    client = scripted_adapter(total_trace()).client
    capabilities = client.call("initialize", {"adapterID": "cwm"})
    for name in (
        "supportsStepBack",
        "supportsSetVariable",
        "supportsRestartRequest",
        "supportsConfigurationDoneRequest",
    ):
        assert capabilities[name] is True
    assert client.wait_event("initialized")


def test_unknown_requests_get_an_error_response_not_a_crash(
    scripted_adapter: Callable[..., InProcessAdapter],
) -> None:
    client = scripted_adapter(total_trace()).client
    response = client.request("frobnicate")
    assert response["success"] is False and "frobnicate" in response["message"]
    assert client.call("threads")["threads"][0]["name"] == "imagined"


def test_garbage_on_the_wire_is_reported_as_output_and_the_adapter_keeps_serving(
    scripted_adapter: Callable[..., InProcessAdapter],
) -> None:
    client = scripted_adapter(total_trace()).client
    client.send_raw(b"this is not DAP\r\n\r\n")
    client.send_raw(b"Content-Length: 3\r\n\r\n{{{")
    event = client.wait_event("output", timeout=10)
    assert "malformed" in event["body"]["output"]
    assert client.call("initialize", {"adapterID": "cwm"})["supportsStepBack"] is True


def test_launch_with_a_missing_program_or_function_fails_with_a_clear_message(
    scripted_adapter: Callable[..., InProcessAdapter], write_program: Callable[..., Path]
) -> None:
    client = scripted_adapter(total_trace()).client
    client.call("initialize", {"adapterID": "cwm"})
    missing = client.request("launch", {"program": "/nonexistent/x.py", "function": "f"})
    assert missing["success"] is False and "not found" in missing["message"]
    program = write_program(TOTAL)
    wrong = client.request("launch", {"program": str(program), "function": "nope"})
    assert wrong["success"] is False and "no function named 'nope'" in wrong["message"]
    bad_args = client.request(
        "launch", {"program": str(program), "function": "total", "args": "(1,"}
    )
    assert bad_args["success"] is False and "args" in bad_args["message"]


def test_stepping_forward_and_back_follows_the_imagined_frames(
    scripted_adapter: Callable[..., InProcessAdapter], write_program: Callable[..., Path]
) -> None:
    client = scripted_adapter(total_trace()).client
    stop = client.start(_launch(write_program(TOTAL)))
    assert stop["body"]["reason"] == "entry"
    assert client.top()["line"] == 5
    assert client.move("next")["body"]["reason"] == "step"
    assert client.top()["line"] == 6
    client.move("next")
    client.move("next")
    assert client.top()["line"] == 8
    client.move("stepIn")  # into helper: call frame at its def line
    stack = client.call("stackTrace", {"threadId": 1})["stackFrames"]
    assert [(f["name"], f["line"]) for f in stack] == [("helper", 1), ("total", 8)]
    client.move("stepBack")
    assert client.top()["line"] == 8
    assert client.variables()["i"]["value"].startswith("0")


def test_variables_show_the_models_confidence(
    scripted_adapter: Callable[..., InProcessAdapter], write_program: Callable[..., Path]
) -> None:
    client = scripted_adapter(total_trace()).client
    client.start(_launch(write_program(TOTAL)))
    for _ in range(3):
        client.move("next")
    variables = client.variables()
    assert variables["i"]["value"] == "0  (p=0.80)"
    assert variables["i"]["type"] == "imagined p=0.80"
    assert variables["acc"]["value"] == "0  (p=0.90)"  # set two frames earlier, unchanged since


def test_continue_stops_at_a_breakpoint_and_reverse_continue_goes_back_to_it(
    scripted_adapter: Callable[..., InProcessAdapter], write_program: Callable[..., Path]
) -> None:
    client = scripted_adapter(total_trace()).client
    client.start(_launch(write_program(TOTAL)), breakpoints=[9])
    stop = client.move("continue")
    assert stop["body"]["reason"] == "breakpoint" and client.top()["line"] == 9
    client.call(
        "setBreakpoints",
        {"source": {"path": str(write_program(TOTAL))}, "breakpoints": [{"line": 2}]},
    )
    back = client.move("reverseContinue")
    assert back["body"]["reason"] == "breakpoint" and client.top()["line"] == 2
    assert client.variables()["x"]["value"] == "1"


def test_set_variable_edits_the_imagined_state(
    scripted_adapter: Callable[..., InProcessAdapter], write_program: Callable[..., Path]
) -> None:
    adapter = scripted_adapter(total_trace())
    client = adapter.client
    client.start(_launch(write_program(TOTAL)))
    client.move("next")
    ref = client.call("scopes", {"frameId": client.top()["id"]})["scopes"][0]["variablesReference"]
    result = client.call(
        "setVariable", {"variablesReference": ref, "name": "n", "value": "7  (p=0.99)"}
    )
    assert result["value"] == "7"
    assert adapter.model.sessions[0].edits == [("n", "7")]
    assert client.variables()["n"]["value"].startswith("7")
    bad = client.request("setVariable", {"variablesReference": ref, "name": "n", "value": "7 +"})
    assert bad["success"] is False and "not a Python value" in bad["message"]


def test_the_end_of_the_trace_sends_exited_and_terminated(
    scripted_adapter: Callable[..., InProcessAdapter], write_program: Callable[..., Path]
) -> None:
    client = scripted_adapter(total_trace()).client
    client.start(_launch(write_program(TOTAL)))
    assert client.move("continue")["event"] == "terminated"
    assert "imagined run returned 2" in client.output_text()
    assert any(e["event"] == "exited" for e in client.events)


def test_a_predicted_exception_stops_with_reason_exception(
    scripted_adapter: Callable[..., InProcessAdapter], write_program: Callable[..., Path]
) -> None:
    client = scripted_adapter(RAISES_TRACE, args="(5,)").client
    client.start({"program": str(write_program(RAISES)), "function": "check", "args": "(5,)"})
    stop = client.move("continue")
    assert stop["body"]["reason"] == "exception"
    info = client.call("exceptionInfo", {"threadId": 1})
    assert info["exceptionId"] == "ValueError" and "too big" in info["description"]


def test_omitted_args_are_invented_by_the_model_and_shown_in_the_output(
    scripted_adapter: Callable[..., InProcessAdapter], write_program: Callable[..., Path]
) -> None:
    client = scripted_adapter(total_trace(), args="2").client
    client.start({"program": str(write_program(TOTAL)), "function": "total"})
    assert "the model invented the inputs: total(2)" in client.output_text()


def test_restart_starts_a_new_session_and_stops_on_entry_again(
    scripted_adapter: Callable[..., InProcessAdapter], write_program: Callable[..., Path]
) -> None:
    adapter = scripted_adapter(total_trace())
    client = adapter.client
    client.start(_launch(write_program(TOTAL)))
    client.move("next")
    client.call("restart", {})
    assert client.wait_event("stopped")["body"]["reason"] == "entry"
    assert client.top()["line"] == 5
    assert len(adapter.model.sessions) == 2 and adapter.model.sessions[0].closed


def test_disconnect_ends_the_connection_and_closes_the_session(
    scripted_adapter: Callable[..., InProcessAdapter], write_program: Callable[..., Path]
) -> None:
    adapter = scripted_adapter(total_trace())
    adapter.client.start(_launch(write_program(TOTAL)))
    adapter.client.call("disconnect", {})
    assert adapter.finished()
    assert adapter.model.sessions[0].closed


def test_a_model_error_mid_session_ends_the_session_with_a_message_and_the_adapter_keeps_serving(
    scripted_adapter: Callable[..., InProcessAdapter], write_program: Callable[..., Path]
) -> None:
    client = scripted_adapter(total_trace(), fail_at=3).client
    client.start(_launch(write_program(TOTAL)))
    client.move("next")
    client.move("next")
    assert client.move("next")["event"] == "terminated"
    assert "llama_decode returned -3" in client.output_text()
    assert client.call("threads")["threads"]  # still answering
    client.call("disconnect", {})


def test_a_model_that_cannot_be_loaded_ends_the_launch_with_the_reason(
    write_program: Callable[..., Path], test_mark: str
) -> None:
    def no_model(path: str | None, progress: object) -> object:
        raise ModelLoadError(path or "default.gguf", "file is truncated")

    adapter = InProcessAdapter(None, test_mark, models=no_model)
    try:
        assert adapter.client.start(_launch(write_program(TOTAL)))["event"] == "terminated"
        assert "cannot load model default.gguf: file is truncated" in adapter.client.output_text()
    finally:
        adapter.close()
