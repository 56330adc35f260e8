"""Hints while the model is still imagining: the real server and the real default model.

The first lines' hints arrive while the code lens still says ``imagining… N steps``;
the finished trace then replaces them; an edit during streaming stops the run and
leaves no half trace behind.
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

from .conftest import (
    REAL_SERVER,
    command,
    hints,
    init_params,
    labels,
    open_text,
    poll,
)
from .conftest import replace_text as replace

pytestmark = [
    pytest.mark.asyncio(loop_scope="module"),
    pytest.mark.model,
    pytest.mark.slow,
    pytest.mark.timeout(1800),
]

REPO = Path(__file__).resolve().parents[2]
MODEL_WAIT = float(os.environ.get("CWM_TEST_MODEL_WAIT", "600"))
URI = "file:///real/stream.py"


def program(word: str) -> str:
    return (
        "def shout(word):\n"
        "    out = []\n"
        "    for ch in word:\n"
        "        out.append(ch.upper())\n"
        "    return out\n"
        "\n"
        "\n"
        f"shout({word!r})\n"
    )


@pytest_lsp.fixture(
    scope="module",
    config=REAL_SERVER,
)
async def client(lsp_client: LanguageClient, request: Any) -> AsyncIterator[None]:
    await lsp_client.initialize_session(
        init_params("visual_studio_code", {"prediction": {"temperature": 0.0, "maxFrames": 200}})
    )
    yield
    await lsp_client.shutdown_session()


async def lens_title(client: LanguageClient, uri: str) -> str:
    lenses = await client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    titles = [lens.command.title for lens in lenses or [] if lens.command is not None]
    return next((t for t in titles if t.startswith("cwm: ")), "")


async def test_the_first_lines_arrive_before_the_trace_is_finished(client: LanguageClient) -> None:
    open_text(client, URI, program("streaming editor"))
    first = await poll(lambda: hints(client, URI), bool, MODEL_WAIT, "the first hints")
    title = await lens_title(client, URI)
    assert "imagining… " in title, f"the trace finished before the first hint: {title}"
    steps_then = int(title.split("imagining… ")[1].split(" ")[0])

    final = await poll(
        lambda: lens_title(client, URI), lambda t: "⇒" in t, MODEL_WAIT, "the finished trace"
    )
    assert "imagining" not in final
    done = await hints(client, URI)
    assert len(labels(done)) >= len(labels(first))
    assert 4 in labels(done)  # the return line, known only once the trace ends
    assert steps_then < 40


async def test_an_edit_during_streaming_stops_the_old_run(client: LanguageClient) -> None:
    replace(client, URI, program("a much longer word to spell"), version=2)
    await poll(
        lambda: lens_title(client, URI), lambda t: "imagining… " in t, MODEL_WAIT, "streaming"
    )
    replace(client, URI, program("ok"), version=3)
    final = await poll(
        lambda: lens_title(client, URI), lambda t: "⇒" in t, MODEL_WAIT, "the new trace"
    )
    assert "'ok'" in final  # the finished trace is the new one, not the stopped one
    stats = await poll(
        lambda: command(client, "cwm.stats"), lambda s: s["inFlight"] == 0, 60, "an idle model"
    )
    assert stats["droppedStale"] + stats["imagineCalls"] >= 3  # v2 was started, then stopped
