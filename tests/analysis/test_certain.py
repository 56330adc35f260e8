"""What a loop test or a statement certainly does on a state of literal values: how a
cycle the model imagined is told from a real one."""

from __future__ import annotations

import ast
import textwrap

import pytest

from cwm_lsp.analysis.certain import RAISES, UNKNOWN, always_changes, truth
from cwm_lsp.analysis.cycles import CycleFinder
from cwm_lsp.analysis.source_index import SourceIndex
from cwm_lsp.trace import Frame


def expr(text: str) -> ast.expr:
    node = ast.parse(text, mode="eval").body
    return node


@pytest.mark.parametrize(
    ("test", "state", "expected"),
    [
        ("len(items) != 1", {"items": "[4]"}, False),
        ("len(items) != 1", {"items": "[4, 5]"}, True),
        ("items[-1] == item", {"items": "[1, 2]", "item": "2"}, True),
        ("value in ls", {"value": "'a'", "ls": "['b']"}, False),
        ("a <= b[0] and not done", {"a": "-1", "b": "[3]", "done": "False"}, True),
        ("n % 2", {"n": "4"}, False),
        ("ets", {"ets": "{}"}, False),
    ],
)
def test_a_test_is_evaluated_on_literal_values(
    test: str, state: dict[str, str], expected: bool
) -> None:
    assert truth(expr(test), state) is expected


def test_what_it_cannot_evaluate_is_unknown_and_a_raising_test_says_so() -> None:
    assert truth(expr("f(x)"), {"x": "1"}) is UNKNOWN
    assert truth(expr("x.isdigit()"), {"x": "'1'"}) is UNKNOWN
    assert truth(expr("y > 0"), {"x": "1"}) is UNKNOWN  # not in the state
    assert truth(expr("items[5] == 0"), {"items": "[1]"}) is RAISES


def stmt(text: str) -> ast.stmt:
    return ast.parse(textwrap.dedent(text)).body[0]


@pytest.mark.parametrize(
    ("code", "state", "changes"),
    [
        ("items.pop()", {"items": "[1, 2]"}, True),
        ("ls.remove(v)", {"ls": "['a']", "v": "'a'"}, True),
        ("n += 1", {"n": "3"}, True),
        ("n += 0", {"n": "3"}, False),
        ("d.clear()", {"d": "{'a': 1}"}, True),
        ("d.clear()", {"d": "{}"}, False),
        ("q.append(q.pop(0))", {"q": "[1, 2]"}, False),  # a rotation can come back
        ("x = 0", {"x": "0"}, False),
    ],
)
def test_statements_that_always_change_the_state(
    code: str, state: dict[str, str], changes: bool
) -> None:
    assert always_changes(stmt(code), state) is changes


DRAIN = """\
def f(items, item):
    while items[-1] == item:
        items.pop()
    return items
"""


def frames_of(*states: tuple[int, str, dict[str, str]]) -> list[Frame]:
    lines = DRAIN.splitlines()
    out = [Frame("call", 1, lines[0], {"items": "[1, 2]", "item": "2"})]
    out += [Frame("line", n, lines[n - 1], dict(s)) for n, _, s in states]
    return out


def test_a_pop_the_model_forgot_is_not_a_cycle() -> None:
    index = SourceIndex(DRAIN)
    finder = CycleFinder(index, index.find("f"))
    same = {"items": "[1, 2]", "item": "2"}
    frames = frames_of((2, "", same), (3, "", same), (2, "", same))
    assert finder.find(frames) is None  # items.pop() always changes items


def test_a_loop_entered_against_its_test_is_not_a_cycle() -> None:
    index = SourceIndex(DRAIN)
    finder = CycleFinder(index, index.find("f"))
    state = {"items": "[1, 3]", "item": "2"}  # items[-1] != item: the loop ends at once
    frames = frames_of((2, "", state), (3, "", state), (2, "", state))
    assert finder.find(frames) is None


ROTATE = """\
def f(q):
    while len(q) != 1:
        q.append(q.pop(0))
    return q
"""


def test_a_real_cycle_is_still_found() -> None:
    index = SourceIndex(ROTATE)
    finder = CycleFinder(index, index.find("f"))
    lines = ROTATE.splitlines()
    a, b = {"q": "[1, 2]"}, {"q": "[2, 1]"}
    frames = [Frame("call", 1, lines[0], a)]
    for state in (a, b, a):
        frames += [Frame("line", 2, lines[1], state), Frame("line", 3, lines[2], state)]
    frames.append(Frame("line", 2, lines[1], a))
    cycle = finder.find(frames)
    assert cycle is not None and cycle.line == 2


SHRINK = """\
def f(nums):
    a = -1
    b = nums[1:]
    while a <= b[0]:
        nums.remove(b[0])
        a = 0
        b = b[1:]
    return nums
"""


def test_a_value_the_line_gives_that_the_model_did_not_write_is_not_a_cycle() -> None:
    """``b = b[1:]`` shortens b: a run where b stays the same went wrong there."""
    index = SourceIndex(SHRINK)
    finder = CycleFinder(index, index.find("f"))
    lines = SHRINK.splitlines()
    state = {"nums": "[1, 2]", "a": "0", "b": "[2]"}
    frames = [Frame("call", 1, lines[0], {"nums": "[1, 2, 2]"})]
    for n in (4, 5, 6, 7, 4):
        frames.append(Frame("line", n, lines[n - 1], dict(state)))
    assert finder.find(frames) is None


def test_a_slip_before_the_loop_makes_its_cycle_no_evidence() -> None:
    """``b = nums[1:]`` gives a list; a run where b became 5 is not the code's run."""
    index = SourceIndex(SHRINK)
    finder = CycleFinder(index, index.find("f"))
    lines = SHRINK.splitlines()
    frames = [Frame("call", 1, lines[0], {"nums": "[1, 5]"})]
    frames.append(Frame("line", 2, lines[1], {"nums": "[1, 5]"}))
    frames.append(Frame("line", 3, lines[2], {"nums": "[1, 5]", "a": "0"}))
    looping = {"nums": "[1, 5]", "a": "0", "b": "5"}
    for n in (4, 5, 6, 7, 4):
        frames.append(Frame("line", n, lines[n - 1], dict(looping)))
    assert finder.find(frames) is None
