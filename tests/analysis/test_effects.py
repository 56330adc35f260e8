"""Which locals a line can change: what the generic format lets the model write."""

from __future__ import annotations

import ast
import itertools

import pytest

from cwm_lsp.analysis.effects import LineEffects
from cwm_lsp.trace.tracer import trace_call

SOURCE = """\
def f(nums, k):
    view = nums
    out = []
    for n in nums:
        if n > k:
            out.append(n)
    view.append(k)
    total = sum(out)
    return total
"""


@pytest.fixture
def effects() -> LineEffects:
    (node,) = [n for n in ast.walk(ast.parse(SOURCE)) if isinstance(n, ast.FunctionDef)]
    return LineEffects(node)


def test_a_test_line_changes_only_what_it_mentions(effects: LineEffects) -> None:
    assert effects.changes(5) == frozenset({"n", "k"})


def test_a_method_call_may_change_the_object_it_is_called_on(effects: LineEffects) -> None:
    assert effects.changes(6) == frozenset({"out", "n"})


def test_an_alias_changes_with_the_name_it_shares_an_object_with(effects: LineEffects) -> None:
    assert effects.changes(7) == frozenset({"view", "nums", "k"})
    assert "view" in (effects.changes(4) or set())  # `for n in nums` mentions nums


def test_lines_without_a_statement_are_unknown(effects: LineEffects) -> None:
    assert effects.changes(42) is None


def test_every_change_of_a_real_trace_is_allowed(effects: LineEffects) -> None:
    trace = trace_call(source=SOURCE, function="f", args="f([1, 5, 7], 4)")
    lines = [fr for fr in trace.frames if fr.event == "line"]
    assert len(lines) > 5
    for before, after in itertools.pairwise(lines):
        changed = {k for k, v in after.locals.items() if before.locals.get(k) != v}
        assert changed <= (effects.changes(before.line) or set()), (before.line, changed)


def test_only_lines_that_call_can_start_a_frame(effects: LineEffects) -> None:
    assert effects.may_call(6)  # out.append(n)
    assert effects.may_call(4)  # a for loop may resume a generator
    assert not effects.may_call(5)  # if n > k:
    assert not effects.may_call(9)  # return total


def test_knowing_the_files_functions_only_their_names_and_unknown_callables_call() -> None:
    source = "def f(text, g):\n    n = len(text)\n    text.upper()\n    m = helper(n)\n    g(m)\n"
    (node,) = [n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.FunctionDef)]
    effects = LineEffects(node, frozenset({"f", "helper"}), generators=False)
    assert not effects.may_call(2)  # a builtin
    assert not effects.may_call(3)  # a method of a value
    assert effects.may_call(4)  # a function of the file
    assert effects.may_call(5)  # a parameter holding a callable
