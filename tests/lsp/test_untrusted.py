"""An untrusted workspace: the server never runs the user's code."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from pygls.exceptions import JsonRpcException
from pytest_lsp import ClientServerConfig, LanguageClient

from .conftest import SCRIPTED_SERVER_COMMAND, command, init_params, make_client, open_text

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_lsp.fixture(
    scope="module",
    config=ClientServerConfig(
        server_command=SCRIPTED_SERVER_COMMAND,
        client_factory=make_client,
        server_env={"PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    ),
)
async def client(lsp_client: LanguageClient) -> AsyncIterator[None]:
    await lsp_client.initialize_session(
        init_params("visual_studio_code", {"model": {"path": "scripted.gguf"}, "trusted": False})
    )
    yield
    await lsp_client.shutdown_session()


async def test_run_and_compare_is_refused_with_a_clear_error(
    client: LanguageClient, tmp_path: Path
) -> None:
    marker = tmp_path / "ran"
    uri = "file:///untrusted/prog.py"
    open_text(
        client, uri, f"def f(n):\n    open({str(marker)!r}, 'w').close()\n    return n\n\n\nf(1)\n"
    )
    with pytest.raises(JsonRpcException) as refused:
        await command(client, "cwm.runAndCompare", uri, "f")
    assert "not trusted" in str(refused.value)
    assert not marker.exists()


async def test_predictions_still_work_untrusted(client: LanguageClient) -> None:
    status: Any = await command(client, "cwm.modelStatus")
    assert status["state"] in ("loading", "ready", "busy")
