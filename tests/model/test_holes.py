"""Filling ``??`` holes: distinct candidates that parse in place."""

from __future__ import annotations

import ast

import pytest

from cwm_lsp.model.holes import is_statement_hole, parses_in_place
from cwm_lsp.model.world import LlamaWorldModel

SOURCE = """\
def area(width, height):
    return ??


def main():
    print(area(2, 3))
"""


def test_a_hole_alone_on_its_line_takes_a_statement() -> None:
    source = "def f(x):\n    ??\n    return x\n"
    start = source.index("??")
    assert is_statement_hole(source, start, start + 2)
    start = SOURCE.index("??")
    assert not is_statement_hole(SOURCE, start, start + 2)


def test_a_candidate_is_checked_in_the_enclosing_function_when_the_rest_does_not_parse() -> None:
    source = "def f(x):\n    return ??\n\ndef g(:\n    pass\n"
    start = source.index("??")
    assert parses_in_place(source, start, start + 2, "x + 1")
    assert not parses_in_place(source, start, start + 2, "x +")


@pytest.mark.model
@pytest.mark.slow
def test_fill_hole_gives_distinct_candidates_that_parse(default_model: LlamaWorldModel) -> None:
    start = SOURCE.index("??")
    fills = default_model.fill_hole(SOURCE, start, start + 2, n=3)
    assert 1 <= len(fills) <= 3
    texts = [f.text for f in fills]
    assert len(set(texts)) == len(texts)
    for fill in fills:
        ast.parse(SOURCE[:start] + fill.text + SOURCE[start + 2 :])
        assert 0.0 < fill.confidence <= 1.0
        assert fill.extra["kind"] == "expression"
