"""Which locals a line can change: what the generic format lets the model write."""

from __future__ import annotations

import ast
import itertools
from typing import Any

import pytest
from frame_walk import in_functions

from cwm_lsp.analysis.effects import LineEffects
from cwm_lsp.analysis.immutable import is_immutable_repr
from cwm_lsp.analysis.source_index import SourceIndex
from cwm_lsp.trace import Frame
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


# -- names a line only reads ------------------------------------------------------------

READS = """\
def count(s, letter):
    n = 0
    for c in s:
        n += int(c == letter)
    del s
    return n
"""


def effects_of(source: str) -> LineEffects:
    (node,) = [n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.FunctionDef)][:1]
    return LineEffects(node)


def test_a_name_the_line_only_reads_is_read_only() -> None:
    effects = effects_of(READS)
    assert effects.read_only(4) == frozenset({"c", "letter", "int"})  # n is rebound by +=
    assert effects.read_only(3) == frozenset({"s"})  # c is the loop's target


def test_a_deleted_or_assigned_name_is_not_read_only() -> None:
    effects = effects_of(READS)
    assert "s" not in effects.read_only(5)
    assert "n" not in effects.read_only(2)


def test_a_name_a_nested_function_declares_nonlocal_is_never_read_only() -> None:
    source = (
        "def f(x):\n    def bump():\n        nonlocal x\n        x += 1\n    bump()\n    return x\n"
    )
    effects = effects_of(source)
    assert effects.read_only(5) == frozenset({"bump"})
    assert "x" not in effects.read_only(6)


def test_an_unknown_line_reads_nothing_for_sure() -> None:
    assert effects_of(READS).read_only(99) == frozenset()


def allowed_changes(effects: LineEffects, line: int, state: dict[str, str]) -> frozenset[str]:
    """What the generic format lets the model change at ``line``: the line's effects
    less the names it only reads whose value is immutable."""
    changes = effects.changes(line) or frozenset(state)
    fixed = {n for n in effects.read_only(line) if n in state and is_immutable_repr(state[n])}
    return changes - fixed


def refused_transitions(source: str, frames: list[Frame]) -> list[tuple[int, set[str]]]:
    """(line, names) for every real line -> next-line change the rule would refuse."""
    index = SourceIndex(source)
    by_call: dict[int, LineEffects | None] = {
        line: index.effects(info) for line, info in index.by_call_line.items()
    }
    refused = []
    previous: dict[int, Frame] = {}  # depth -> last call/line frame at that depth
    for _, frame, depth, effects in in_functions(frames, by_call):
        if frame.event == "call":
            previous = {d: f for d, f in previous.items() if d < depth}
        before = previous.get(depth)
        if frame.event == "line" and before is not None and before.event == "line" and effects:
            changed = {k for k, v in frame.locals.items() if before.locals.get(k) != v}
            refused_here = changed - allowed_changes(effects, before.line, dict(before.locals))
            if refused_here:
                refused.append((before.line, refused_here))
        if frame.event in ("call", "line"):
            previous[depth] = frame
    return refused


def test_the_count_example_changes_n_never_c() -> None:
    trace = trace_call(source=READS, function="count", args="count('strawberry', 'r')")
    assert trace.return_value == "3"
    assert refused_transitions(READS, trace.frames) == []
    effects = effects_of(READS)
    state = {"s": "'strawberry'", "letter": "'r'", "n": "0", "c": "'s'"}
    assert allowed_changes(effects, 4, state) & set(state) == {"n"}


def test_no_real_transition_of_the_dev_set_is_refused(
    cruxeval_rows: list[dict[str, Any]],
) -> None:
    """Every line -> next-line change of the 200 dev traces, traced for real."""
    checked = 0
    for row in cruxeval_rows:
        trace = trace_call(row["code"], function="f", args=row["input"], repr_limit=0)
        assert refused_transitions(row["code"], trace.frames) == [], row["id"]
        checked += sum(1 for f in trace.frames if f.event == "line")
    assert checked > 2000
