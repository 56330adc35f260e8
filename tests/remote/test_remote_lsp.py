"""End to end: the real language server with ``model.endpoint`` set, against the real llama-server.

Hints arrive from the remote engine; an endpoint that is not up is said in the
status, and requests still answer at once (they never wait for the model).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from pytest_lsp import ClientServerConfig, LanguageClient
from server_process import REPO_ROOT, LlamaServer, free_port

sys.path.insert(0, str(REPO_ROOT))

from tests.lsp.conftest import (
    SERVER_COMMAND,
    command,
    hints,
    init_params,
    labels,
    make_client,
    open_text,
    poll,
)

pytestmark = [pytest.mark.asyncio(loop_scope="function"), pytest.mark.timeout(900)]

MODEL_WAIT = float(os.environ.get("CWM_TEST_MODEL_WAIT", "600"))
URI = "file:///remote/program.py"
PROGRAM = "def add_one(n):\n    result = n + 1\n    return result\n\n\nadd_one(4)\n"


@pytest_lsp.fixture(
    config=ClientServerConfig(
        server_command=SERVER_COMMAND,
        client_factory=make_client,
        server_env={
            **{k: v for k, v in os.environ.items() if k != "CWM_LSP_ENDPOINT"},
            "PYTHONPATH": str(REPO_ROOT),
        },
    ),
)
async def lsp_client(lsp_client: LanguageClient) -> Any:
    yield
    await lsp_client.shutdown_session()


async def test_hints_arrive_from_the_remote_engine(
    lsp_client: LanguageClient, default_server: LlamaServer
) -> None:
    options = {"model": {"endpoint": default_server.url}, "prediction": {"maxFrames": 8}}
    await lsp_client.initialize_session(init_params("visual_studio_code", options))
    open_text(lsp_client, URI, PROGRAM)
    found = await poll(
        lambda: hints(lsp_client, URI), lambda h: 1 in labels(h), MODEL_WAIT, "hints for add_one"
    )
    assert labels(found)[1] == "result = 5"
    status = await command(lsp_client, "cwm.modelStatus")
    assert status["model"] == default_server.url
    assert status["format"] == "generic"


async def test_an_endpoint_that_is_not_up_is_said_and_requests_still_answer_at_once(
    lsp_client: LanguageClient,
) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    await lsp_client.initialize_session(
        init_params("visual_studio_code", {"model": {"endpoint": url, "connectTimeout": 1.0}})
    )
    open_text(lsp_client, URI, PROGRAM)
    started = time.monotonic()
    assert await hints(lsp_client, URI) == []
    assert time.monotonic() - started < 2.0  # answered from the cache, the model not awaited
    status = await poll(
        lambda: command(lsp_client, "cwm.modelStatus"),
        lambda s: s["state"] == "error",
        120,
        "the error status",
    )
    assert f"cannot reach {url}/props: connection refused" in status["message"]


async def test_an_editor_started_before_its_server_gets_hints_once_the_server_is_up(
    lsp_client: LanguageClient, llama_server_binary: Path, default_gguf: Path, tmp_path: Path
) -> None:
    """Nothing listens on the endpoint when the language server starts: the status says
    so, requests answer at once, and the server keeps trying (0.5 s, doubling up to
    ``reconnectMaxDelay``); once llama-server is up on that port the model loads by
    itself and hints arrive, with nothing done in the editor."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    options = {
        "model": {"endpoint": url, "connectTimeout": 1.0, "reconnectMaxDelay": 2.0},
        "prediction": {"maxFrames": 8},
    }
    await lsp_client.initialize_session(init_params("visual_studio_code", options))
    open_text(lsp_client, URI, PROGRAM)
    status = await poll(
        lambda: command(lsp_client, "cwm.modelStatus"),
        lambda s: s["state"] == "error",
        60,
        "the error status",
    )
    assert f"cannot reach {url}/props: connection refused" in status["message"]
    assert status["retryIn"] > 0
    started = time.monotonic()
    assert await hints(lsp_client, URI) == []
    assert time.monotonic() - started < 2.0

    server = LlamaServer(default_gguf, port=port, ctx=2048, log=tmp_path / "server.log")
    server.start()
    try:
        found = await poll(
            lambda: hints(lsp_client, URI),
            lambda h: 1 in labels(h),
            MODEL_WAIT,
            "hints once the server is up",
        )
        assert labels(found)[1] == "result = 5"
        status = await command(lsp_client, "cwm.modelStatus")
        assert status["model"] == url and status["retryIn"] == 0
        # the editor was told, with nothing asked of it: error, then ready
        states: list[str] = [s["state"] for s in lsp_client.statuses]  # type: ignore[attr-defined]
        assert "ready" in states[states.index("error") :]
    finally:
        server.stop()
