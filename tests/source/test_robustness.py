"""Odd input never raises, and a large file is analysed quickly."""

from __future__ import annotations

import random
import time

import pytest

from cwm_lsp.source import PythonDocument, choose_inputs, parses, parsing


def exercise(doc: PythonDocument) -> None:
    for func in doc.functions():
        choose_inputs(doc, func)
        doc.doctest_calls(func)
        doc.call_sites(func.qualname)
    doc.holes()
    doc.has_errors()
    doc.function_at(1)
    doc.to_lsp(len(doc.text) // 2)
    doc.from_lsp(3, 5)


@pytest.mark.parametrize("seed", range(3))
def test_binary_junk_does_not_raise_and_is_not_parsed(seed: int) -> None:
    data = random.Random(seed).randbytes(200_000)
    for text in (data.decode("utf-8", "surrogateescape"), data.decode("latin-1")):
        started = time.monotonic()
        doc = PythonDocument(text)
        exercise(doc)
        assert not doc.parsed
        assert doc.has_errors()
        assert not parses(text)
        assert time.monotonic() - started < 2.0


def test_junk_that_looks_like_text_is_parsed_and_does_not_raise() -> None:
    rng = random.Random(7)
    alphabet = "abc def():\n\t  (){}[]'\"#?=+*,.:\\ 😀漢\r"
    text = "".join(rng.choice(alphabet) for _ in range(20_000))
    doc = PythonDocument(text)
    assert doc.parsed
    exercise(doc)


def test_a_parse_past_its_time_budget_gives_up_with_an_empty_erroneous_document(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(parsing, "PARSE_BUDGET_S", 0.0)
    monkeypatch.setattr(parsing.parse_python, "__defaults__", (0.0,))
    doc = PythonDocument(FUNCTION.format(i=1) * 200)
    assert not doc.parsed
    assert doc.functions() == []
    assert doc.has_errors()


def test_nul_bytes_and_lone_surrogates_around_functions_do_not_raise() -> None:
    text = "\x00\udcff\ndef f(a):\n    '\udc80'\n    return a ?? \x00\n\ndef g(): pass\n"
    doc = PythonDocument(text)
    exercise(doc)
    assert [f.name for f in doc.functions()] == ["f", "g"]
    assert [text[h.start : h.end] for h in doc.holes()] == ["??"]


FUNCTION = '''
def func_{i}(a, b=2, *args, **kw):
    """Sum up to a, scaled.

    >>> func_{i}(3, 2)
    """
    total = 0
    for k in range(a):
        total += k * b
    if total > 10:
        squares = [j * j for j in range(3)]
    return total + len(args)
'''


def test_a_50000_line_file_is_parsed_and_listed_in_a_few_seconds() -> None:
    count = 50_000 // FUNCTION.count("\n") + 1
    text = "".join(FUNCTION.format(i=i) for i in range(count)) + "func_7(1)\n"
    assert text.count("\n") >= 50_000
    started = time.process_time()
    doc = PythonDocument(text)
    functions = doc.functions()
    middle = doc.function_at(25_000)
    assert middle is not None
    choose_inputs(doc, middle)
    elapsed = time.process_time() - started
    assert len(functions) == count
    assert elapsed < 10.0, f"took {elapsed:.2f}s of CPU"
