"""Binding inputs to parameters without running anything."""

from __future__ import annotations

import pytest

from cwm_lsp.analysis.binding import BindingError, bind

SOURCE = """
def f(a, b=2, *rest, key=None, **extra):
    return a

class K:
    def m(self, x):
        return x
"""


def test_positional_literals_become_reprs_and_defaults_fill_the_rest() -> None:
    assert bind(SOURCE, "f", '"x"') == {
        "a": "'x'",
        "b": "2",
        "rest": "()",
        "key": "None",
        "extra": "{}",
    }


def test_a_call_expression_and_keywords_bind_like_python() -> None:
    state = bind(SOURCE, "f", "f(1, 3, 4, key=[1], other=5)")
    assert state == {"a": "1", "b": "3", "rest": "(4,)", "key": "[1]", "extra": "{'other': 5}"}


def test_a_parenthesised_tuple_is_the_argument_list() -> None:
    assert bind(SOURCE, "f", "(1, 2)")["b"] == "2"


def test_a_method_called_without_its_instance_leaves_self_out() -> None:
    assert bind(SOURCE, "K.m", "7") == {"x": "7"}


def test_non_literal_inputs_keep_their_source_text() -> None:
    assert bind(SOURCE, "f", "len('abc')")["a"] == "len('abc')"


@pytest.mark.parametrize("args", ["", "1, 2, key=1, key=2", "1, b=2, b=3", "1,,", "1, nope=2)"])
def test_inputs_that_do_not_fit_are_a_binding_error(args: str) -> None:
    with pytest.raises((BindingError, SyntaxError)):
        bind("def g(a):\n    return a\n", "g", args)
