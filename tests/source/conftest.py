"""Fixtures for the source room: documents from dedented text."""

from __future__ import annotations

import textwrap
from collections.abc import Callable

import pytest

from cwm_lsp.source import PythonDocument

MakeDoc = Callable[..., PythonDocument]


def dedented(text: str, newline: str = "\n") -> str:
    return textwrap.dedent(text).lstrip("\n").replace("\n", newline)


@pytest.fixture
def make_doc() -> MakeDoc:
    """``make_doc(text, newline="\\n")``: a PythonDocument of the dedented text
    with its line breaks turned into ``newline``."""

    def make(text: str, newline: str = "\n") -> PythonDocument:
        return PythonDocument(dedented(text, newline))

    return make
