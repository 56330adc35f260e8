"""End to end: the real server process (``python -m cwm_lsp --stdio``) with the real
default model, driven by pytest-lsp with VS Code's and Neovim's capabilities.

Kept cheap: four small functions, temperature 0, few frames, one server per
client profile (predictions are cached, so each function costs one model call).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from cwm_lsp.source import parses

from .conftest import (
    REAL_SERVER,
    command,
    edit_lines,
    hints,
    init_params,
    labels,
    open_text,
    poll,
)

pytestmark = [
    pytest.mark.asyncio(loop_scope="module"),
    pytest.mark.model,
    pytest.mark.slow,
    pytest.mark.timeout(1800),
]

REPO = Path(__file__).resolve().parents[2]
#: seconds for one prediction on a busy 2-core machine
MODEL_WAIT = float(os.environ.get("CWM_TEST_MODEL_WAIT", "600"))
URI = "file:///real/program.py"

PROGRAM = """\
def add_one(n):
    result = n + 1
    return result


def divide(a):
    zero = 0
    return a / zero


def scale(x):
    y = ?? * 2
    return y


def fail(n):
    raise ValueError(n)


add_one(4)
divide(3)
fail(1)
"""


@pytest_lsp.fixture(
    scope="module",
    params=["visual_studio_code", "neovim"],
    config=REAL_SERVER,
)
async def client(lsp_client: LanguageClient, request: Any) -> AsyncIterator[None]:
    await lsp_client.initialize_session(
        # minConfidence 0: every predicted exception becomes a diagnostic (the shipped
        # calibration would hide an unlikely one; test_calibrated_real.py covers that)
        init_params(
            request.param,
            {"prediction": {"temperature": 0.0, "maxFrames": 20, "minConfidence": 0.0}},
        )
    )
    open_text(lsp_client, URI, PROGRAM)
    yield
    await lsp_client.shutdown_session()


async def test_hints_appear_for_a_function(client: LanguageClient) -> None:
    found = await poll(
        lambda: hints(client, URI), lambda h: 1 in labels(h), MODEL_WAIT, "hints for add_one"
    )
    assert labels(found)[1].startswith("result = ")
    hint = next(h for h in found if h.position.line == 1)
    assert hint.position.character == len("    result = n + 1")


async def test_hints_change_after_an_edit(client: LanguageClient) -> None:
    edit_lines(client, URI, 1, 3, "    total = n + 1\n    return total\n", version=2)
    found = await poll(
        lambda: hints(client, URI),
        lambda h: labels(h).get(1, "").startswith("total = "),
        MODEL_WAIT,
        "new hints",
    )
    assert "result" not in labels(found)[1]


async def test_a_function_that_raises_gets_an_information_diagnostic(
    client: LanguageClient,
) -> None:
    async def predicted() -> list[types.Diagnostic]:
        return [d for d in client.diagnostics.get(URI, []) if d.source == "cwm"]

    found = await poll(
        predicted,
        lambda ds: any(d.range.start.line == 16 for d in ds),
        MODEL_WAIT,
        "the diagnostic of fail()",
    )
    diagnostic = next(d for d in found if d.range.start.line == 16)
    assert diagnostic.severity == types.DiagnosticSeverity.Information
    assert diagnostic.message


async def test_division_by_zero_gets_an_information_diagnostic(client: LanguageClient) -> None:
    """The model predicts ``zero = 0``; Python's arithmetic on it makes the exception certain."""
    await poll(
        lambda: command(client, "cwm.stats"),
        lambda s: s["inFlight"] == 0 and s["cached"] >= 2,
        MODEL_WAIT,
        "every prediction",
    )
    diagnostics = [d for d in client.diagnostics.get(URI, []) if d.source == "cwm"]
    assert diagnostics, "no predicted exception"
    assert diagnostics[0].severity == types.DiagnosticSeverity.Information
    assert diagnostics[0].range.start.line == 7
    assert "ZeroDivisionError" in diagnostics[0].message


async def test_a_hole_gets_a_fix_that_parses(client: LanguageClient) -> None:
    params = types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=URI),
        range=types.Range(
            start=types.Position(line=11, character=0), end=types.Position(line=11, character=14)
        ),
        context=types.CodeActionContext(diagnostics=[]),
    )
    actions = await poll(
        lambda: client.text_document_code_action_async(params), bool, MODEL_WAIT, "hole fills"
    )
    lines = PROGRAM.splitlines(keepends=True)
    for action in actions:
        assert isinstance(action, types.CodeAction) and action.edit and action.edit.changes
        (edit,) = action.edit.changes[URI]
        line = lines[11]
        fixed = (
            line[: edit.range.start.character] + edit.new_text + line[edit.range.end.character :]
        )
        assert "??" not in fixed and parses(
            "".join([*lines[:11], fixed, *lines[12:]]).replace("    total", "    total")
        )


async def test_changing_the_model_setting_takes_effect(client: LanguageClient) -> None:
    from cwm_lsp.model import resolve_model
    from cwm_lsp.model.api import ModelConfig

    path = resolve_model(ModelConfig()).path
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(
            settings={"cwm": {"model": {"path": path, "contextSize": 2048}}}
        )
    )
    status = await poll(
        lambda: command(client, "cwm.modelStatus"),
        lambda s: s["state"] in ("ready", "busy") and s["model"] == path and s["progress"] == 1.0,
        MODEL_WAIT,
        "the reloaded model",
    )
    assert status["format"] == "generic"
    # the same file under its explicit path is the same model: no new predictions
    assert 1 in labels(await hints(client, URI))


async def test_a_broken_model_path_gives_a_message_and_the_server_still_answers(
    client: LanguageClient,
) -> None:
    broken = str(REPO / "tests" / "lsp" / "conftest.py")  # a file, but no GGUF
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"cwm": {"model": {"path": broken}}})
    )
    status = await poll(
        lambda: command(client, "cwm.modelStatus"), lambda s: s["state"] == "error", 60, "an error"
    )
    assert broken in status["message"]
    errors = [m for m in client.messages if m.type == types.MessageType.Error]
    assert len(errors) == 1 and broken in errors[0].message
    assert await hints(client, URI) == []
    lenses = await client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=URI))
    )
    assert lenses
