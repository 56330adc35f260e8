"""Server plumbing with a scripted model: the real server process, real pygls and
pytest-lsp, everything real except the model (which is made slow on purpose).

What the model predicts is tested with the real model in test_real_model.py;
here we test what the server does around it: it answers while the model is
busy, predicts an unchanged function once, refreshes when results arrive,
reports a broken model and keeps serving.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from .conftest import (
    SCRIPTED_SERVER_COMMAND,
    command,
    edit_lines,
    hints,
    init_params,
    labels,
    open_text,
    poll,
)
from .conftest import make_client as make_scripted_client

pytestmark = pytest.mark.asyncio(loop_scope="module")

SOURCE = """\
def first(n):
    total = n + 1
    return total


def second(n):
    doubled = n * 2
    return doubled


def third(x):
    y = ?? * 2
    return y
"""


@pytest_lsp.fixture(
    scope="module",
    params=["visual_studio_code", "neovim"],
    config=ClientServerConfig(
        server_command=SCRIPTED_SERVER_COMMAND,
        client_factory=make_scripted_client,
        server_env={
            "CWM_TEST_DELAY": "0.3",
            "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
        },
    ),
)
async def client(lsp_client: LanguageClient, request: Any) -> AsyncIterator[None]:
    state: Any = lsp_client
    state.initialize_result = await lsp_client.initialize_session(
        init_params(
            request.param, {"model": {"path": "scripted.gguf"}, "prediction": {"maxFrames": 20}}
        )
    )
    yield
    await lsp_client.shutdown_session()


async def stats(client: LanguageClient) -> dict[str, Any]:
    result: dict[str, Any] = await command(client, "cwm.stats")
    return result


async def idle(client: LanguageClient) -> dict[str, Any]:
    return await poll(
        lambda: stats(client),
        lambda s: s["inFlight"] == 0 and s["status"]["state"] == "ready",
        30,
        "an idle model",
    )


async def test_initialize_answers_at_once_and_advertises_features(client: LanguageClient) -> None:
    state: Any = client
    caps = state.initialize_result.capabilities
    assert caps.inlay_hint_provider and caps.hover_provider and caps.code_lens_provider
    assert "cwm.runAndCompare" in caps.execute_command_provider.commands


async def test_hints_appear_after_open_and_every_function_is_predicted_once(
    client: LanguageClient,
) -> None:
    uri = "file:///plumbing/once.py"
    open_text(client, uri, SOURCE)
    found = await poll(lambda: hints(client, uri), lambda h: len(labels(h)) >= 4, 30, "hints")
    # the scripted state before model line i is n = i; a line shows the state after it
    assert labels(found)[1] == "n = 3"
    before = await idle(client)
    edit_lines(client, uri, 6, 7, "    doubled = n * 3\n", version=2)
    await poll(lambda: hints(client, uri), lambda h: 6 in labels(h), 30, "hints after the edit")
    after = await idle(client)
    assert after["imagineCalls"] - before["imagineCalls"] == 1


async def test_hint_requests_answer_at_once_while_the_model_is_busy(client: LanguageClient) -> None:
    uri = "file:///plumbing/busy.py"
    body = "".join(f"def g{i}(n):\n    a = n + {i}\n    return a\n\n\n" for i in range(30))
    open_text(client, uri, body)
    assert (await stats(client))["status"]["state"] in ("busy", "ready")
    slowest = 0.0
    for _ in range(20):
        started = time.perf_counter()
        await hints(client, uri)
        slowest = max(slowest, time.perf_counter() - started)
    assert (await stats(client))["inFlight"] > 0  # the model was busy all along
    assert slowest < 0.25
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    await idle(client)  # closing dropped the queued work


async def test_results_trigger_a_refresh_when_the_client_supports_it(
    client: LanguageClient,
) -> None:
    caps = client.capabilities
    supported = bool(
        caps
        and caps.workspace
        and caps.workspace.inlay_hint
        and caps.workspace.inlay_hint.refresh_support
    )
    state: Any = client
    if supported:
        assert state.inlay_hint_refreshes > 0
    else:
        assert state.inlay_hint_refreshes == 0


async def test_hole_gets_only_parseable_fills(client: LanguageClient) -> None:
    uri = "file:///plumbing/once.py"
    params = types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        range=types.Range(
            start=types.Position(line=11, character=0), end=types.Position(line=11, character=20)
        ),
        context=types.CodeActionContext(diagnostics=[]),
    )
    actions = await poll(
        lambda: client.text_document_code_action_async(params), lambda a: bool(a), 30, "hole fills"
    )
    titles = [a.title for a in actions if isinstance(a, types.CodeAction)]
    assert titles == ["cwm: fill ?? with 1"]  # the scripted "x +" would not parse


async def test_status_is_reported(client: LanguageClient) -> None:
    status = await command(client, "cwm.modelStatus")
    assert status["state"] in ("ready", "busy") and status["model"] == "scripted.gguf"
    state: Any = client
    assert any(s["state"] == "ready" for s in state.statuses)


async def test_a_broken_model_path_gives_one_message_and_the_server_still_answers(
    client: LanguageClient,
) -> None:
    uri = "file:///plumbing/once.py"
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(
            settings={"cwm": {"model": {"path": "/nowhere/broken.gguf"}}}
        )
    )
    status = await poll(
        lambda: command(client, "cwm.modelStatus"),
        lambda s: s["state"] == "error",
        30,
        "the error status",
    )
    assert "/nowhere/broken.gguf" in status["message"]
    errors = [m for m in client.messages if m.type == types.MessageType.Error]
    assert len(errors) == 1 and "/nowhere/broken.gguf" in errors[0].message
    assert await hints(client, uri) == []  # the old model's predictions are not shown
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=1, character=4),
        )
    )
    assert hover is None
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"cwm": {"model": {"path": "scripted.gguf"}}})
    )
    await poll(
        lambda: hints(client, uri),
        lambda h: len(labels(h)) >= 4,
        30,
        "hints from the reloaded model",
    )


async def test_turning_a_decoding_switch_off_reloads_the_model_and_predicts_again(
    client: LanguageClient,
) -> None:
    uri = "file:///plumbing/switch.py"
    open_text(client, uri, SOURCE)
    await poll(lambda: hints(client, uri), lambda h: len(labels(h)) >= 4, 30, "hints")
    before = await idle(client)
    state: Any = client
    loads_before = sum(s["state"] == "loading" for s in state.statuses)

    def switch(on: bool) -> None:
        client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(
                settings={"cwm": {"model": {"path": "scripted.gguf", "lineFlow": on}}}
            )
        )

    switch(False)
    await poll(
        lambda: stats(client),
        lambda s: s["imagineCalls"] > before["imagineCalls"],
        30,
        "predictions under the switched-off model",
    )
    await idle(client)
    assert sum(s["state"] == "loading" for s in state.statuses) > loads_before
    switch(True)
    await idle(client)
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )


async def test_run_for_real_and_compare_marks_the_mismatches(client: LanguageClient) -> None:
    uri = "file:///plumbing/compare.py"
    open_text(client, uri, SOURCE)
    await command(client, "cwm.simulateWithInputs", uri, "first", "first(4)")
    await poll(lambda: hints(client, uri), lambda h: 1 in labels(h), 30, "hints")
    result = await command(client, "cwm.runAndCompare", uri, "first")
    assert result["reason"] == "returned" and result["args"] == "first(4)"
    assert result["returnValue"] == "5" and result["mismatches"]
    found = await poll(
        lambda: hints(client, uri), lambda h: "≠ real" in labels(h).get(1, ""), 10, "compared hints"
    )
    assert labels(found)[1].endswith("total ≠ real: 5")  # the scripted model never said total


async def test_simulate_at_the_cursor_answers_with_the_inputs_the_code_lens_uses(
    client: LanguageClient,
) -> None:
    # The VS Code extension passes these to the debug session it starts, so
    # that it steps through the same call as the hints show.
    uri = "file:///plumbing/at_cursor.py"
    open_text(client, uri, "# cwm: first(4)\n" + SOURCE)
    result = await command(client, "cwm.simulateAtCursor", uri, {"line": 2, "character": 4})
    assert result["function"] == "first"
    assert result["args"] == "first(4)"
    outside = await command(client, "cwm.simulateAtCursor", uri, {"line": 0, "character": 0})
    assert outside is None
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )


async def test_a_50000_line_file_is_served_without_blocking(client: LanguageClient) -> None:
    uri = "file:///plumbing/huge.py"
    text = "".join(
        f"def h{i}(n):\n    v = n * {i}\n    w = v + 1\n    return w\n\n" for i in range(10_000)
    )
    assert text.count("\n") == 50_000
    started = time.perf_counter()
    open_text(client, uri, text)
    visible = types.Range(
        start=types.Position(line=100, character=0), end=types.Position(line=160, character=0)
    )
    await hints(client, uri, visible)
    assert time.perf_counter() - started < 20
    found = await poll(
        lambda: hints(client, uri, visible), lambda h: bool(h), 60, "hints in the visible range"
    )
    assert all(100 <= h.position.line <= 160 for h in found)
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    await idle(client)


async def test_binary_junk_gets_empty_answers(client: LanguageClient) -> None:
    uri = "file:///plumbing/junk.py"
    junk = bytes(range(256)).decode("latin-1") * 40 + "\x00\ufffd\udcff" + "def (:\n\t??\n"
    open_text(client, uri, junk)
    assert await hints(client, uri) == []
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=0, character=3),
        )
    )
    assert hover is None
    lenses = await client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert lenses is not None and len(lenses) == 0
    assert (await command(client, "cwm.modelStatus"))["state"] in ("ready", "busy")


async def test_the_private_dap_endpoint_needs_the_token_and_then_speaks_dap(
    client: LanguageClient,
) -> None:
    import asyncio
    import json
    import os
    import stat

    endpoint = await command(client, "cwm.dapEndpoint")
    assert endpoint["transport"] == "unix" and len(endpoint["token"]) >= 32
    assert stat.S_IMODE(os.stat(os.path.dirname(endpoint["path"])).st_mode) == 0o700
    again = await command(client, "cwm.dapEndpoint")  # one endpoint per server, a token per call
    assert again["path"] == endpoint["path"] and again["token"] != endpoint["token"]

    reader, writer = await asyncio.open_unix_connection(endpoint["path"])
    writer.write(b"wrong-token\r\n")
    await writer.drain()
    assert await asyncio.wait_for(reader.read(), 10) == b""  # refused: closed without a word
    writer.close()

    reader, writer = await asyncio.open_unix_connection(endpoint["path"])
    body = json.dumps(
        {"seq": 1, "type": "request", "command": "initialize", "arguments": {"adapterID": "cwm"}}
    ).encode()
    writer.write(
        endpoint["token"].encode() + b"\r\n" + b"Content-Length: %d\r\n\r\n" % len(body) + body
    )
    await writer.drain()
    header = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
    length = int(header.split(b":")[1].strip().split(b"\r\n")[0])
    response = json.loads(await reader.readexactly(length))
    assert (
        response["type"] == "response"
        and response["command"] == "initialize"
        and response["success"]
    )
    writer.close()


DIAGNOSED = """\
def divide(a):
    zero = a
    return a / 0


def spin(n):
    while True:
        n += 1


def slow(n):
    while True:
        if n > 1000:
            break
        n += 1
"""


async def test_predicted_exceptions_and_endless_loops_become_diagnostics(
    client: LanguageClient,
) -> None:
    """``slow`` hits the frame cap too (the scripted model stops every ``while True``),
    but nothing shows it never ends: no diagnostic, and its lens says it stopped."""
    uri = "file:///plumbing/diagnosed.py"
    open_text(client, uri, DIAGNOSED)

    async def published() -> list[types.Diagnostic]:
        return list(client.diagnostics.get(uri, []))

    found = await poll(published, lambda d: len(d) == 2, 30, "two diagnostics")
    by_line = {d.range.start.line: d for d in found}
    assert (
        by_line[2].severity == types.DiagnosticSeverity.Information and by_line[2].source == "cwm"
    )
    assert "ZeroDivisionError" in by_line[2].message
    # the source shows the loop never ends: a warning on the while line (the scripted
    # model hit the frame cap there, which alone would be no evidence)
    assert by_line[6].severity == types.DiagnosticSeverity.Warning
    assert by_line[6].message.startswith("may not terminate: nothing in the body")
    edit_lines(client, uri, 2, 3, "    return a / 2\n", version=2)
    found = await poll(published, lambda d: len(d) == 1, 30, "the exception diagnostic to clear")
    assert found[0].range.start.line == 6
    lenses = await client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    titles = [lens.command.title for lens in lenses or [] if lens.command is not None]
    assert any(t.startswith("cwm: slow(") and t.endswith("steps, stopped") for t in titles)
