"""What the fuzz campaign found, each pinned down on its own (the fix named in each test).

LSP (cwm_lsp/lsp/protocol.py, against the real server process): requests pygls
dropped are answered; before ``initialize`` and after ``shutdown`` requests
are refused; ``didChange`` uses LSP's line breaks; positions are UTF-16 for
every client.  DAP (cwm_lsp/dap): text that is not UTF-8 is still sent;
arguments of the wrong type are refused, not crashed on.  Model
(cwm_lsp/model/session.py): an engine that breaks the seam's promise ends a
trace with an error instead of raising out of ``reset``.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from dap.conftest import InProcessAdapter
from dap.fake_model import ScriptedModel
from dap.programs import TOTAL, total_trace

from cwm_lsp.dap.framing import encode_message, read_message
from cwm_lsp.dap.launch_config import LaunchError, parse_launch
from cwm_lsp.trace import EndReason

from .jsonrpc import (
    INVALID_PARAMS,
    INVALID_REQUEST,
    METHOD_NOT_FOUND,
    SERVER_NOT_INITIALIZED,
    frame,
)
from .servers import FuzzServer, start_fuzz_server

HOVER = {"textDocument": {"uri": "file:///r/a.py"}, "position": {"line": 0, "character": 0}}


def raw_request(server: FuzzServer, body: dict[str, Any], answer_id: Any) -> dict[str, Any]:
    server.client.expect(answer_id)
    server.client.write(frame(json.dumps(body).encode()))
    return server.client.answer(answer_id, 15).message


# -- LSP: every request answered ------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (
            {"jsonrpc": "2.0", "id": "p1", "method": "textDocument/hover", "params": "x"},
            INVALID_PARAMS,
        ),
        ({"jsonrpc": "2.0", "id": "p2", "method": 5}, INVALID_REQUEST),
        ({"id": "p3", "method": "textDocument/hover", "params": HOVER}, INVALID_REQUEST),
        (
            {"jsonrpc": "1.0", "id": "p4", "method": "textDocument/hover", "params": HOVER},
            INVALID_REQUEST,
        ),
        ({"jsonrpc": "2.0", "id": "p5", "method": "cwm/noSuchMethod"}, METHOD_NOT_FOUND),
    ],
    ids=[
        "params-not-an-object",
        "method-not-a-string",
        "no-jsonrpc",
        "jsonrpc-1.0",
        "unknown-without-params",
    ],
)
def test_a_request_pygls_cannot_read_is_answered_with_its_id_and_a_proper_code(
    fuzz_server: FuzzServer, body: dict[str, Any], code: int
) -> None:
    answer = raw_request(fuzz_server, body, body["id"])
    assert answer["id"] == body["id"] and answer["error"]["code"] == code


def test_a_request_with_an_id_that_is_no_integer_or_string_is_refused_with_id_null(
    fuzz_server: FuzzServer,
) -> None:
    answer = raw_request(
        fuzz_server,
        {"jsonrpc": "2.0", "id": 1.5, "method": "textDocument/hover", "params": HOVER},
        None,
    )
    assert answer["id"] is None and answer["error"]["code"] == INVALID_REQUEST


@pytest.fixture
def fresh_server(vocabularies: dict[str, str], tmp_path: Path) -> Iterator[FuzzServer]:
    server = start_fuzz_server(tmp_path / "fresh", fmt="generic", vocab=vocabularies["generic"])
    yield server
    if server.client.process.poll() is None:
        server.client.process.kill()
        server.client.process.wait(10)


def test_requests_before_initialize_are_refused_and_after_shutdown_too(
    fresh_server: FuzzServer,
) -> None:
    client = fresh_server.client
    early = client.request("textDocument/hover", HOVER, timeout=15)
    assert early.error is not None and early.error["code"] == SERVER_NOT_INITIALIZED
    bad_early = client.request("textDocument/hover", "x", timeout=15)
    assert bad_early.error is not None and bad_early.error["code"] == SERVER_NOT_INITIALIZED
    fresh_server.initialize()
    assert client.request("shutdown", timeout=15).error is None
    for params in (HOVER, "x"):
        late = client.request("textDocument/hover", params, timeout=15)
        assert late.error is not None and late.error["code"] == INVALID_REQUEST
    client.notify("exit")
    assert client.process.wait(15) == 0


# -- LSP: the document's text -----------------------------------------------------------------


@pytest.mark.parametrize("separator", ["\x0c", "\u2028", "\x85", "\x1e"])
def test_an_edit_after_a_character_that_str_splitlines_breaks_at_lands_where_the_editor_put_it(
    fuzz_server: FuzzServer, separator: str
) -> None:
    """LSP breaks lines at \\n, \\r\\n and \\r only; pygls's splitlines also broke at these."""
    uri = f"file:///r/sep-{ord(separator)}.py"
    text = f"x = 1  # a{separator}b\ny = 2\n"
    client = fuzz_server.client
    client.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}},
    )
    change = {
        "range": {"start": {"line": 1, "character": 0}, "end": {"line": 1, "character": 1}},
        "text": "z",
    }
    client.notify(
        "textDocument/didChange",
        {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [change]},
    )
    held = client.request(
        "workspace/executeCommand", {"command": "cwmFuzz.documentText", "arguments": [uri]}
    ).message["result"]
    assert held["text"] == held["analysed"] == f"x = 1  # a{separator}b\nz = 2\n"
    assert held["version"] == 2


def test_a_position_past_the_end_of_the_last_line_means_its_end(fuzz_server: FuzzServer) -> None:
    uri = "file:///r/last-line.py"
    client = fuzz_server.client
    client.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": "x = 1"}},
    )
    change = {
        "range": {"start": {"line": 0, "character": 99}, "end": {"line": 0, "character": 99}},
        "text": "0",
    }
    client.notify(
        "textDocument/didChange",
        {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [change]},
    )
    held = client.request(
        "workspace/executeCommand", {"command": "cwmFuzz.documentText", "arguments": [uri]}
    ).message["result"]
    assert held["text"] == "x = 10"  # pygls made it "x = 01"


def test_a_change_to_a_document_never_opened_opens_nothing(fuzz_server: FuzzServer) -> None:
    uri = "file:///r/never-opened.py"
    change = {"text": "x = 1\n"}
    fuzz_server.client.notify(
        "textDocument/didChange",
        {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [change]},
    )
    held = fuzz_server.client.request(
        "workspace/executeCommand", {"command": "cwmFuzz.documentText", "arguments": [uri]}
    )
    assert held.message["result"] is None


def test_positions_are_utf16_even_for_a_client_that_lists_utf8_first(
    fresh_server: FuzzServer,
) -> None:
    """Every feature counts UTF-16 units; Neovim and Emacs list utf-8 / utf-32 first."""
    answer = fresh_server.client.request(
        "initialize",
        {
            "processId": None,
            "capabilities": {"general": {"positionEncodings": ["utf-8", "utf-32", "utf-16"]}},
        },
        timeout=30,
    )
    assert answer.message["result"]["capabilities"]["positionEncoding"] == "utf-16"


# -- DAP ------------------------------------------------------------------------------------


async def test_a_message_holding_a_lone_surrogate_is_still_sent_as_json_escapes() -> None:
    message = {"type": "event", "event": "output", "body": {"output": "name \udcff é"}}
    data = encode_message(message)
    assert b"\\udcff" in data
    reader = asyncio.StreamReader()
    reader.feed_data(data)
    reader.feed_eof()
    assert await read_message(reader) == message


def test_launch_args_that_are_not_utf8_text_are_refused_with_a_clear_message(
    tmp_path: Path,
) -> None:
    program = tmp_path / "program.py"
    program.write_text(TOTAL)
    with pytest.raises(LaunchError, match="'args' is not a Python argument list"):
        parse_launch({"program": str(program), "function": "total", "args": "\udcff"})


@pytest.fixture
def adapter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[InProcessAdapter, Path]]:
    monkeypatch.setenv("CWM_TEST_MARK", uuid.uuid4().hex)
    program = tmp_path / "program.py"
    program.write_text(TOTAL)
    started = InProcessAdapter(ScriptedModel(total_trace(), "(2,)"), "")
    yield started, program
    started.close()


@pytest.mark.parametrize(
    ("command", "arguments", "says"),
    [
        ("stackTrace", {"threadId": "abc"}, "'threadId' must be a non-negative integer"),
        ("scopes", {"frameId": [1]}, "'frameId' must be a non-negative integer"),
        (
            "variables",
            {"variablesReference": -10001},
            "'variablesReference' must be a non-negative integer",
        ),
        ("exceptionInfo", {"threadId": None}, "'threadId' must be a non-negative integer"),
        (
            "setVariable",
            {"variablesReference": "x", "name": "n", "value": "1"},
            "must be a non-negative integer",
        ),
        (
            "setVariable",
            {"variablesReference": 10001, "name": "n", "value": "\udcff"},
            "not a Python value",
        ),
        (
            "setVariable",
            {"variablesReference": 10001, "name": "n", "value": "1\x00"},
            "not a Python value",
        ),
        (
            "setBreakpoints",
            {"source": "program.py", "breakpoints": [{"line": 1}]},
            "needs 'source'",
        ),
    ],
)
def test_arguments_of_the_wrong_type_are_refused_not_crashed_on(
    adapter: tuple[InProcessAdapter, Path], command: str, arguments: dict[str, Any], says: str
) -> None:
    started, program = adapter
    client = started.client
    client.start({"program": str(program), "function": "total", "args": "(2,)"})
    response = client.request(command, arguments)
    assert response["success"] is False
    assert says in response["message"] and "failed:" not in response["message"]
    assert client.top()["line"] == 5  # the session is still stopped where it was


def test_a_local_named_with_a_lone_surrogate_still_reaches_the_variables_view(
    adapter: tuple[InProcessAdapter, Path],
) -> None:
    started, program = adapter
    client = started.client
    client.start({"program": str(program), "function": "total", "args": "(2,)"})
    client.call("setVariable", {"variablesReference": 10001, "name": "\udcff", "value": "1"})
    assert client.variables()["\udcff"]["value"].startswith("1")


# -- model ----------------------------------------------------------------------------------


def test_an_engine_that_ignores_the_constraint_ends_the_entry_with_an_error_not_an_exception(
    vocabularies: dict[str, str],
) -> None:
    from .noise_models import noise_model

    model = noise_model("generic", vocabularies["generic"], seed=3, break_contract=1.0)
    session = model.session(TOTAL, "total")  # no inputs: the model must invent them
    session.reset()
    assert session.done and session.trace.reason is EndReason.ERROR
    assert "internal error while generating" in session.trace.error
    imagined = model.imagine(TOTAL, "total")
    assert imagined.trace.reason is EndReason.ERROR
