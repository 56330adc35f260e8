"""'May not terminate' only on evidence: what the source shows, and cycles in a run.

The static rule must flag the loops of :mod:`endless` that it can see and
never a loop that ends: not one of the 200 dev functions (they all
terminate), nor the terminating look-alikes below.  The cycle rule must find
the revisit of a state in a run of a function with no external inputs, and
never in a real run of a terminating function (the 200 dev traces).
"""

from __future__ import annotations

import textwrap
from typing import Any

import pytest
from endless import ENDLESS

from cwm_lsp.analysis.closed_world import closed_world
from cwm_lsp.analysis.cycles import CycleFinder, complete_state
from cwm_lsp.analysis.source_index import SourceIndex
from cwm_lsp.analysis.termination import Evidence, endless_loops
from cwm_lsp.trace import Frame, Trace
from cwm_lsp.trace.tracer import trace_call


def static_evidence(code: str) -> list[Evidence]:
    """What the static rule says about every function of ``code``."""
    index = SourceIndex(textwrap.dedent(code))
    found: list[Evidence] = []
    for info in index.functions:
        node = index.node(info)
        if node is not None:
            found += endless_loops(node, info.qualname, index.tree)
    return found


# ---------------------------------------------------------------------- the static rule


@pytest.mark.parametrize("case", ENDLESS, ids=[c["id"] for c in ENDLESS])
def test_the_rule_sees_exactly_the_endless_loops_the_source_shows(case: dict[str, Any]) -> None:
    found = static_evidence(case["code"])
    if case["seen_by"] == "source":
        assert [e.line for e in found] == [_while_line(case["code"])]
    else:
        assert found == []


def _while_line(code: str) -> int:
    """The line number of the (one) ``while`` loop of ``code``."""
    lines = code.splitlines()
    return next(n for n, line in enumerate(lines, 1) if line.lstrip().startswith("while"))


def test_the_message_says_which_evidence() -> None:
    (true_loop,) = static_evidence("def f(x):\n    while True:\n        x += 1\n")
    (unchanged,) = static_evidence("def f(n):\n    while n > 0:\n        print(n)\n")
    assert true_loop.kind == "while-true" and "`while True`" in true_loop.message()
    assert unchanged.kind == "unchanged-condition"
    assert "reads only names the loop never changes" in unchanged.message()
    assert Evidence("cycle", 4, "f").message(7).endswith("repeats line 7 with the same state")


TERMINATING = {
    "counts down": """
        def f(n):
            while n > 0:
                n -= 1
        """,
    "an alias is changed": """
        def f(xs):
            ys = xs
            while len(xs) < 3:
                ys.append(0)
        """,
    "a held list is changed": """
        def f(xs):
            box = [xs]
            while len(xs) < 3:
                box[0].append(0)
        """,
    "a call may raise StopIteration": """
        def f(xs):
            it = iter(xs)
            while True:
                x = next(it)
        """,
    "pop empties the list": """
        def f(xs):
            while True:
                xs.pop()
        """,
    "an index runs off the end": """
        def f(xs):
            i = 0
            while True:
                total = xs[i]
                i += 1
        """,
    "a divisor reaches zero": """
        def f(n):
            while True:
                q = 10 // n
                n -= 1
        """,
    "a break": """
        def f(x):
            while True:
                if x:
                    break
        """,
    "a break in a loop's else leaves the outer loop": """
        def f(xs):
            while True:
                for x in xs:
                    pass
                else:
                    break
        """,
    "a return": """
        def f(x):
            while x:
                return 1
        """,
    "a raise": """
        def f(x):
            while x:
                raise ValueError(x)
        """,
    "the condition calls a function": """
        def f(x):
            while check(x):
                pass
        """,
    "the condition reads a global": """
        LIMIT = 3
        def f(x):
            while x < LIMIT:
                pass
        """,
    "a nested function may rebind it": """
        def f(x):
            def g():
                nonlocal x
                x = 0
            while x:
                g()
        """,
    "a generator": """
        def f(n):
            while True:
                yield n
        """,
    "never entered": """
        def f(n):
            while False:
                pass
        """,
    "a shadowed builtin": """
        def print(x):
            raise SystemExit
        def f(n):
            while n > 0:
                print(n)
        """,
    "a context manager": """
        def f(n, cm):
            while n:
                with cm:
                    pass
        """,
}


@pytest.mark.parametrize("code", TERMINATING.values(), ids=list(TERMINATING))
def test_loops_that_can_end_are_not_flagged(code: str) -> None:
    assert static_evidence(code) == []


def test_no_dev_function_is_flagged(cruxeval_rows: list[dict[str, Any]]) -> None:
    """All 200 dev functions terminate (the real tracer runs them to their end)."""
    flagged = {row["id"]: static_evidence(row["code"]) for row in cruxeval_rows}
    assert {k: v for k, v in flagged.items() if v} == {}
    assert sum("while" in row["code"] for row in cruxeval_rows) > 10  # loops were looked at


# ---------------------------------------------------------------------- no external inputs


def closed(code: str, function: str = "f") -> bool:
    index = SourceIndex(textwrap.dedent(code))
    return closed_world(index, index.find(function))


def test_a_function_of_its_locals_and_pure_builtins_has_no_external_inputs() -> None:
    assert closed(
        "def f(xs):\n    ys = sorted(xs)\n    return [y * 2 for y in ys] + list(map(abs, xs))\n"
    )
    assert closed(
        "import math\nK = (1, 2)\ndef f(x):\n    return math.floor(x) + K[0] + g(x)\ndef g(y):\n    return y\n"
    )


@pytest.mark.parametrize(
    "code",
    [
        "import random\ndef f(x):\n    return x + random.random()\n",
        "def f(x):\n    return input()\n",
        "def f(x):\n    global seen\n    seen = x\n",
        "CACHE = {}\ndef f(x):\n    return CACHE.get(x)\n",
        "def f(x):\n    import time\n    return time.time()\n",
        "def f(x):\n    acc = []\n    def g():\n        acc.append(1)\n    g()\n    return acc\n",
        "def f(x):\n    return g(x)\ndef g(y):\n    return open(y)\n",
        "def f(x):\n    return id(x)\n",
    ],
    ids=["random", "input", "global", "mutable-global", "import-time", "closure", "callee", "id"],
)
def test_reading_anything_outside_the_state_is_an_external_input(code: str) -> None:
    assert not closed(code)


def test_a_state_is_complete_when_every_repr_is_a_whole_literal() -> None:
    assert complete_state({"a": "[1, 'x', (2.5, None)]", "s": "set()", "r": "range(0, 3)"})
    assert complete_state({"d": "{'k': frozenset({1})}", "n": "-inf"})
    assert not complete_state({"it": "<list_iterator object at 0x7f>"})
    assert not complete_state({"s": "'abcdef…"})
    assert not complete_state({"p": "Point(1, 2)"})


# ---------------------------------------------------------------------- cycles


def finder_for(code: str) -> CycleFinder:
    index = SourceIndex(textwrap.dedent(code))
    return CycleFinder(index, index.find("f"))


def line(number: int, **state: str) -> Frame:
    return Frame("line", number, "", state)


def call(number: int, **state: str) -> Frame:
    return Frame("call", number, "", state)


SWAP = "def f(a, b):\n    while a != b:\n        a, b = b, a\n    return a\n"


def test_a_while_loop_back_at_a_line_with_the_same_state_is_a_cycle() -> None:
    frames = [
        call(1, a="1", b="2"),
        line(2, a="1", b="2"),
        line(3, a="1", b="2"),
        line(2, a="2", b="1"),
        line(3, a="2", b="1"),
    ]
    finder = finder_for(SWAP)
    assert finder.find(frames) is None
    cycle = finder.find([*frames, line(2, a="1", b="2")])
    assert cycle is not None and (cycle.line, cycle.first, cycle.again) == (2, 1, 5)
    assert cycle.evidence == Evidence("cycle", 2, "f")


def test_a_for_loop_seeing_the_same_state_twice_is_no_cycle() -> None:
    """``for c in "aa"``: the same locals, but the iterator (not shown) moved on."""
    code = "def f(s):\n    n = 0\n    for c in s:\n        n = 1\n    return n\n"
    frames = [call(1, s="'aa'"), line(2, s="'aa'")]
    frames += [line(3, s="'aa'", n="1", c="'a'"), line(4, s="'aa'", n="1", c="'a'")] * 2
    finder = finder_for(code)
    assert all(finder.find(frames[:k]) is None for k in range(1, len(frames) + 1))


def test_a_while_loop_inside_a_for_loop_cycles_only_within_one_turn_of_the_for() -> None:
    ends = "def f(s):\n    for c in s:\n        j = 0\n        while j < 2:\n            j += 1\n"
    a = {"s": "'aa'", "c": "'a'"}
    second_turn = [
        call(1, s="'aa'"),
        line(2, s="'aa'"),
        line(3, **a),
        line(4, **a, j="0"),
        line(5, **a, j="0"),
        line(4, **a, j="1"),
        line(5, **a, j="1"),
        line(4, **a, j="2"),
        line(2, **a, j="2"),
        line(3, **a, j="2"),
        line(4, **a, j="0"),  # as at frame 3, but the for loop moved on to its second item
    ]
    assert finder_for(ends).find(second_turn) is None
    flips = (
        "def f(s):\n    for c in s:\n        j = 0\n        while j < 2:\n            j = 1 - j\n"
    )
    one_turn = [*second_turn[:6], line(5, **a, j="1"), line(4, **a, j="0")]
    cycle = finder_for(flips).find(one_turn)
    assert cycle is not None and (cycle.line, cycle.first, cycle.again) == (4, 3, 7)


def test_no_cycle_is_claimed_with_external_inputs_or_hidden_values() -> None:
    external = "import random\ndef f(a, b):\n    while a != b:\n        a = random.choice([a, b])\n"
    frames = [call(2, a="1", b="2"), line(3, a="1", b="2"), line(4, a="1", b="2")]
    assert finder_for(external).find([*frames, line(3, a="1", b="2")]) is None
    hidden = [call(1, a="<object>", b="2"), line(2, a="<object>", b="2")]
    hidden += [line(3, a="<object>", b="2"), line(2, a="<object>", b="2")]
    assert finder_for(SWAP).find(hidden) is None


def test_a_new_activation_of_the_function_is_no_revisit() -> None:
    code = "def f(n):\n    while n:\n        n = f(n - 1)\n    return n\n"
    frames = [call(1, n="1"), line(2, n="1"), line(3, n="1"), call(1, n="1"), line(2, n="1")]
    assert finder_for(code).find(frames) is None


def test_real_runs_of_the_dev_functions_never_cycle(
    dev_traces: list[tuple[dict[str, Any], Trace]],
) -> None:
    """A terminating function cannot revisit a state: every prefix of the 200 real traces."""
    checked = 0
    for row, trace in dev_traces:
        finder = finder_for(row["code"])
        if not finder.closed:
            continue
        frames = trace.frames
        assert all(finder.find(frames[:k]) is None for k in range(1, len(frames) + 1)), row["id"]
        checked += "while" in row["code"]
    assert checked > 10


@pytest.mark.parametrize(
    "case", [c for c in ENDLESS if c["seen_by"] != "source"], ids=lambda c: c["id"]
)
def test_the_cycle_rule_finds_the_loops_that_come_back_to_a_state(case: dict[str, Any]) -> None:
    """A faithful run (the real tracer's, cut short) of each endless function the source
    does not show: a cycle where the state comes back, none where it grows for ever."""
    trace = trace_call(case["code"], function="f", args=case["input"], max_frames=300, timeout=0.5)
    finder = finder_for(case["code"])
    found = next(
        (c for k in range(1, len(trace.frames) + 1) if (c := finder.find(trace.frames[:k]))), None
    )
    if case["seen_by"] == "model":
        assert found is None
        return
    assert found is not None
    assert trace.frames[found.first].locals == trace.frames[found.again].locals
