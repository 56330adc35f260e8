"""Calibrated confidence end to end: the real server, the real default model and the
calibration shipped for it (``cwm_lsp/model/calibrations/``).

A value whose calibrated confidence is under ``prediction.minConfidence`` shows as
``?`` in its inlay hint; hovering the line still shows the model's guess with its
calibrated confidence, labelled as such.
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from cwm_lsp.lsp.render import HIDDEN

from .conftest import (
    REAL_SERVER,
    command,
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
MODEL_WAIT = float(os.environ.get("CWM_TEST_MODEL_WAIT", "600"))
URI = "file:///real/calibrated.py"
#: high enough that the model's guesses at a string shuffle fall under it
THRESHOLD = 0.9

PROGRAM = """\
def scramble(word):
    mixed = word[::-2] + word[1::3].upper()
    return mixed


scramble('calibration')
"""


@pytest_lsp.fixture(
    scope="module",
    config=REAL_SERVER,
)
async def client(lsp_client: LanguageClient, request: Any) -> AsyncIterator[None]:
    options = {"prediction": {"temperature": 0.0, "maxFrames": 20, "minConfidence": THRESHOLD}}
    await lsp_client.initialize_session(init_params("visual_studio_code", options))
    open_text(lsp_client, URI, PROGRAM)
    yield
    await lsp_client.shutdown_session()


async def test_an_unlikely_value_shows_as_a_question_mark_and_hover_has_the_guess(
    client: LanguageClient,
) -> None:
    found = await poll(
        lambda: hints(client, URI), lambda h: 1 in labels(h), MODEL_WAIT, "the hint of line 2"
    )
    stats = await command(client, "cwm.stats")
    assert "calibrations" in stats["status"]["calibration"], stats
    assert labels(found)[1] == f"mixed = {HIDDEN}"

    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=URI),
            position=types.Position(line=1, character=6),
        )
    )
    assert hover is not None
    text = hover.contents.value if isinstance(hover.contents, types.MarkupContent) else ""
    guess = re.search(r"\| \*\*(.+?)\*\* \((\d+)%\) \|", text)
    assert guess is not None, text
    assert int(guess.group(2)) < THRESHOLD * 100
    assert "(calibrated)" in text
