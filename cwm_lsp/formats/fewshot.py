"""Few-shot examples for the generic prompt format.

Three small functions and their real traces, as ``sys.settrace`` records
them under CPython 3.11 (``tests/model/test_fewshot.py`` runs the real
tracer on the same code and checks every frame, so the examples stay
honest).
"""

from __future__ import annotations

from cwm_lsp.trace import Frame

EXAMPLE_SOURCE = """\
def count_vowels(text):
    n = 0
    for ch in text:
        if ch in "aeiou":
            n += 1
    return n


def square(x):
    return x * x


def sum_squares(nums):
    total = 0
    for v in nums:
        total += square(v)
    return total


def safe_div(a, b):
    try:
        q = a // b
    except ZeroDivisionError:
        q = None
    return q
"""

#: (function, args text, frames as (event, line, locals, value))
_RAW: list[tuple[str, str, list[tuple[str, int, dict[str, str], str | None]]]] = [
    (
        "count_vowels",
        "'ai'",
        [
            ("call", 1, {"text": "'ai'"}, None),
            ("line", 2, {"text": "'ai'"}, None),
            ("line", 3, {"text": "'ai'", "n": "0"}, None),
            ("line", 4, {"text": "'ai'", "n": "0", "ch": "'a'"}, None),
            ("line", 5, {"text": "'ai'", "n": "0", "ch": "'a'"}, None),
            ("line", 3, {"text": "'ai'", "n": "1", "ch": "'a'"}, None),
            ("line", 4, {"text": "'ai'", "n": "1", "ch": "'i'"}, None),
            ("line", 5, {"text": "'ai'", "n": "1", "ch": "'i'"}, None),
            ("line", 3, {"text": "'ai'", "n": "2", "ch": "'i'"}, None),
            ("line", 6, {"text": "'ai'", "n": "2", "ch": "'i'"}, None),
            ("return", 6, {}, "2"),
        ],
    ),
    (
        "sum_squares",
        "[3, 1]",
        [
            ("call", 13, {"nums": "[3, 1]"}, None),
            ("line", 14, {"nums": "[3, 1]"}, None),
            ("line", 15, {"nums": "[3, 1]", "total": "0"}, None),
            ("line", 16, {"nums": "[3, 1]", "total": "0", "v": "3"}, None),
            ("call", 9, {"x": "3"}, None),
            ("line", 10, {"x": "3"}, None),
            ("return", 10, {}, "9"),
            ("line", 15, {"nums": "[3, 1]", "total": "9", "v": "3"}, None),
            ("line", 16, {"nums": "[3, 1]", "total": "9", "v": "1"}, None),
            ("call", 9, {"x": "1"}, None),
            ("line", 10, {"x": "1"}, None),
            ("return", 10, {}, "1"),
            ("line", 15, {"nums": "[3, 1]", "total": "10", "v": "1"}, None),
            ("line", 17, {"nums": "[3, 1]", "total": "10", "v": "1"}, None),
            ("return", 17, {}, "10"),
        ],
    ),
    (
        "safe_div",
        "7, 0",
        [
            ("call", 20, {"a": "7", "b": "0"}, None),
            ("line", 21, {"a": "7", "b": "0"}, None),
            ("line", 22, {"a": "7", "b": "0"}, None),
            ("exception", 22, {}, "ZeroDivisionError('integer division or modulo by zero')"),
            ("line", 23, {"a": "7", "b": "0"}, None),
            ("line", 24, {"a": "7", "b": "0"}, None),
            ("line", 25, {"a": "7", "b": "0", "q": "None"}, None),
            ("return", 25, {}, "None"),
        ],
    ),
]


def _frames(raw: list[tuple[str, int, dict[str, str], str | None]]) -> list[Frame]:
    lines = EXAMPLE_SOURCE.splitlines()
    return [
        Frame(event=event, line=line, source=lines[line - 1].rstrip(), locals=loc, value=value)  # type: ignore[arg-type]
        for event, line, loc, value in raw
    ]


EXAMPLES: list[tuple[str, str, list[Frame]]] = [(f, a, _frames(r)) for f, a, r in _RAW]
