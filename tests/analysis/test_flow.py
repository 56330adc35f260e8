"""Which line can follow which: the flow the generic format offers the model.

Every transition of real traces (``sys.settrace`` under CPython 3.11) must be
allowed; a few transitions a small model likes to invent must not be.
"""

from __future__ import annotations

import ast

import pytest
from frame_walk import in_functions

from cwm_lsp.analysis.flow import RETURN, LineFlow
from cwm_lsp.trace import Frame
from cwm_lsp.trace.tracer import trace_call

CASES = """\
import contextlib

def w_true(n):
    i = 0
    while True:
        i += 1
        if i > n:
            break
    return i

def w_cond(n):
    while n > 0:
        n -= 1
    else:
        n = -1
    return n

def for_else(xs):
    for x in xs:
        if x == 3:
            continue
        if x == 9:
            break
    else:
        x = None
    return x

def tryf(a):
    try:
        b = 10 / a
    except ZeroDivisionError:
        b = 0
    else:
        b += 1
    finally:
        c = 1
    return b

def tryret(a):
    try:
        return 1 / a
    finally:
        a = 2

def withs(x):
    with contextlib.suppress(KeyError):
        y = x + 1
        z = y * 2
    return z

def withret(x):
    with contextlib.suppress(KeyError):
        return x + 1

def multiline(a, b):
    c = [
        a,
        b,
    ]
    d = (a +
         b)
    if (a >
            b):
        pass
    return (c,
            d)

def nested(x):
    def inner(y):
        return y + 1
    @staticmethod
    def deco(z):
        return z
    g = lambda q: q * 2
    return inner(x) + g(x)

def passer(x):
    '''Doc.'''
    global GG
    pass
    if x:
        pass
    ...
    return x

def oneliner(x):
    if x: return 1
    return 2

def compre(xs):
    ys = [x * 2 for x in xs]
    return sum(y for y in ys)

def implicit(x):
    if x > 1:
        x = 2

def loop_end(xs):
    t = 0
    for x in xs:
        t += x

def raiser(x):
    if x:
        raise ValueError(x)
    return 0
"""

CALLS = [
    "w_true(3)",
    "w_cond(2)",
    "w_cond(0)",
    "for_else([1, 3, 9])",
    "for_else([1, 2])",
    "tryf(0)",
    "tryf(2)",
    "tryret(2)",
    "tryret(0)",
    "withs(1)",
    "withret(1)",
    "multiline(1, 2)",
    "multiline(3, 2)",
    "nested(1)",
    "passer(1)",
    "passer(0)",
    "oneliner(1)",
    "oneliner(0)",
    "compre([1, 2])",
    "implicit(3)",
    "implicit(0)",
    "loop_end([1, 2])",
    "raiser(0)",
    "raiser(1)",
]


def flows(source: str) -> dict[int, LineFlow]:
    found = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            found[start] = LineFlow(node)
    return found


def refused_transitions(source: str, frames: list[Frame]) -> list[tuple[int, str, int]]:
    """(line, event, line) transitions of ``frames`` that the flow does not allow."""
    last: dict[int, tuple[str, int]] = {}
    refused: list[tuple[int, str, int]] = []
    for _, frame, depth, flow in in_functions(frames, flows(source)):
        if frame.event == "call":
            last[depth] = ("call", frame.line)
            continue
        previous = last.get(depth)
        if frame.event in ("line", "return") and flow and previous and previous[0] != "exception":
            allowed = flow.first if previous[0] == "call" else flow.after(previous[1])
            target = frame.line if frame.event == "line" else RETURN
            if allowed is not None and target not in allowed:
                refused.append((previous[1], frame.event, frame.line))
        if frame.event in ("line", "exception"):
            last[depth] = (frame.event, frame.line)
    return refused


@pytest.mark.parametrize("call", CALLS)
def test_every_real_transition_is_allowed(call: str) -> None:
    trace = trace_call(source=CASES, function=call.split("(")[0], args=call)
    assert trace.frames
    assert refused_transitions(CASES, trace.frames) == []


def flow_of(source: str) -> LineFlow:
    (flow,) = flows(source).values()
    return flow


def test_the_end_of_a_loop_body_goes_back_to_the_loop_not_to_the_return() -> None:
    flow = flow_of("def f(xs):\n    t = 0\n    for x in xs:\n        t += x\n    return t\n")
    assert flow.after(4) == frozenset({3})
    assert flow.after(3) == frozenset({4, 5})
    assert flow.after(5) == frozenset({RETURN})
    assert flow.first == frozenset({2})


def test_a_function_returns_only_from_a_return_or_its_last_statement() -> None:
    flow = flow_of("def f(x):\n    y = x\n    if y:\n        y = 2\n")
    assert RETURN not in (flow.after(2) or set())
    assert flow.after(3) == frozenset({4, RETURN})
    assert flow.after(4) == frozenset({RETURN})


def test_a_raise_is_followed_by_its_exception_only() -> None:
    flow = flow_of("def f(x):\n    raise ValueError(x)\n")
    assert flow.after(2) == frozenset()


def test_handlers_are_not_modelled() -> None:
    flow = flow_of(
        "def f(x):\n    try:\n        y = 1 / x\n    except ZeroDivisionError:\n        y = 0\n    return y\n"
    )
    assert flow.after(4) is None and flow.after(5) is None
    assert flow.after(3) == frozenset({6})


def test_an_exception_outside_try_and_with_can_only_propagate() -> None:
    flow = flow_of(
        "def f(x):\n    y = 1 / x\n    try:\n        z = 1 / y\n    except ZeroDivisionError:\n"
        "        z = 0\n    return z\n"
    )
    assert not flow.guarded(2)
    assert flow.guarded(4)
