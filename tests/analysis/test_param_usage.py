"""The kind of value each parameter should get: its annotation, its default, its use."""

from __future__ import annotations

import ast

import pytest

from cwm_lsp.analysis.param_usage import Kind, param_kinds
from cwm_lsp.analysis.receivers import find_def

CLASSES = """
class Point:
    def __init__(self, x, y):
        self.x = x
        self.y = y

    def norm(self):
        return abs(self.x) + abs(self.y)
"""


def kinds(source: str, function: str = "f") -> dict[str, Kind]:
    tree = ast.parse(CLASSES + source)
    found = find_def(tree, function)
    assert found is not None
    return param_kinds(tree, found[0])


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("return text.lower().split()", Kind("str")),
        ("return text.endswith('x')", Kind("str")),
        ("return text + '!'", Kind("str")),
        ("return text == 'yes'", Kind("str")),
        ("return [k for k, v in text.items()]", Kind("dict")),
        ("return text['key']", Kind("dict")),
        ("text.append(1)\n    return text", Kind("list")),
        ("return list(range(text))", Kind("int")),
        ("return text % 2", Kind("int")),
        ("return text - 1", Kind("number")),
        ("return text > 0.5", Kind("number")),
        ("return len(text)", Kind("collection")),
        ("for ch in text:\n        pass", Kind("collection")),
        ("return text[0]", Kind("subscriptable")),
        ("return text[1:] + text[:1]", Kind("sequence")),
        ("return text.count(0)", Kind("sequence")),
        ("text.pop()\n    return text.copy()", Kind("container")),
        ("return text.get(1) or text.clear()", Kind("dict")),  # clues narrow each other
        ("return ' '.join(text)", Kind("collection", item="str")),
        ("return [w.upper() for w in text]", Kind("collection", item="str")),
        ("words = text.split()\n    text = []\n    text.append(words)", Kind("str")),
        ("return text.x + text.y", Kind("instance", "Point")),
        ("return text.norm()", Kind("instance", "Point")),
        ("return text", Kind("any")),
        ("text.append(1)\n    return text.lower()", Kind("any")),  # clues that disagree
    ],
)
def test_the_body_says_what_a_parameter_is(body: str, expected: Kind) -> None:
    assert kinds(f"\ndef f(text):\n    {body}\n")["text"] == expected


def test_an_argument_of_a_string_method_is_a_string() -> None:
    found = kinds(
        "\ndef f(text, suffix, width):\n    return text.endswith(suffix) or text.center(width)\n"
    )
    assert found["suffix"] == Kind("str") and found["width"] == Kind("int")


def test_an_annotation_comes_first_then_a_default() -> None:
    found = kinds(
        "\ndef f(a: str, b: list[int], c: 'Point', d: Optional[dict] = None, e=1.5):\n"
        "    return a - b - c - d - e\n"
    )
    assert found == {
        "a": Kind("str"),
        "b": Kind("list", item="int"),
        "c": Kind("instance", "Point"),
        "d": Kind("dict"),
        "e": Kind("number"),
    }


def test_a_parameter_passed_to_another_function_takes_its_kind_there() -> None:
    found = kinds(
        "\ndef tokens(text):\n    return text.lower().split()\n"
        "\ndef f(words, n=2):\n    return tokens(words)[:n]\n"
    )
    assert found["words"] == Kind("str")
