"""What the source says a return gives: ``None`` from a bare ``return``, from the end of
the body, and from every ``__init__``.

The generic format forces these values instead of decoding them, so the rule
must hold for every return of a real trace (``sys.settrace`` under CPython
3.11): it may stay silent where it cannot be sure, never be wrong.
"""

from __future__ import annotations

import ast
from typing import Any

import pytest
from frame_walk import in_functions

from cwm_lsp.analysis.flow import LineFlow
from cwm_lsp.analysis.source_index import SourceIndex
from cwm_lsp.trace import Frame, Trace
from cwm_lsp.trace.tracer import trace_call

CASES = """\
import contextlib


def falls_off(x):
    if x > 1:
        x = 2


def bare(x):
    if x:
        return
    return x + 1


def loop_end(xs):
    t = 0
    for x in xs:
        t += x


def returns_in_with(x):
    with contextlib.suppress(KeyError):
        return x + 1


def falls_off_in_with(x):
    with contextlib.suppress(KeyError):
        y = x + 1


def returns_through_finally(a):
    try:
        return 1 / a
    finally:
        a = 2


def returns_a_long_value(a, b):
    return (a,
            b)


def generator(n):
    for i in range(n):
        yield i


def docstring_only():
    '''Nothing to run.'''


def handler(a):
    try:
        b = 1 / a
    except ZeroDivisionError:
        b = 0


class Point:
    def __init__(self, x):
        self.x = x


def calls(x):
    p = Point(x)
    g = lambda q: q * 2
    return [v for v in generator(g(x))] + [p.x]
"""

#: call -> how many of its returns the rule forces (the others it leaves to the model)
CALLS = {
    "falls_off(3)": 1,
    "falls_off(0)": 1,
    "bare(1)": 1,
    "bare(0)": 0,
    "loop_end([1, 2])": 1,
    "loop_end([])": 1,
    "returns_in_with(1)": 0,
    "falls_off_in_with(1)": 0,  # None, but reported on the with header: left to the model
    "returns_through_finally(2)": 0,
    "returns_a_long_value(1, 2)": 0,
    "docstring_only()": 1,
    "handler(0)": 1,
    "handler(1)": 1,
    "calls(2)": 1,  # Point.__init__; the generator, the lambda and calls itself are the model's
}


def return_rules(source: str) -> dict[int, tuple[str, LineFlow | None]]:
    """call line -> (function name, its flow) for every function of ``source``."""
    index = SourceIndex(source)
    return {info.call_line: (info.name, index.flow(info)) for info in index.functions}


def forced_returns(source: str, frames: list[Frame]) -> list[tuple[int, str | None]]:
    """(line, real value) of every return the rule says is None (an exception propagating
    out of a frame is not a return of a value, and is left out)."""
    last_event: dict[int, str] = {}
    forced = []
    for _, frame, depth, rule in in_functions(frames, return_rules(source)):
        propagating = last_event.get(depth) == "exception"
        last_event[depth] = frame.event
        if frame.event != "return" or propagating or rule is None:
            continue
        name, flow = rule
        if name == "__init__" or (flow is not None and flow.returns_none(frame.line)):
            forced.append((frame.line, frame.value))
    return forced


@pytest.mark.parametrize(("call", "count"), CALLS.items())
def test_every_return_the_rule_forces_is_none_in_reality(call: str, count: int) -> None:
    trace = trace_call(source=CASES, function=call.split("(")[0], args=call)
    assert trace.frames
    assert [value for _, value in forced_returns(CASES, trace.frames)] == ["None"] * count


def flow_of(source: str) -> LineFlow:
    node = ast.parse(source).body[0]
    assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    return LineFlow(node)


def test_a_bare_return_and_the_end_of_the_body_return_none() -> None:
    flow = flow_of("def f(x):\n    if x:\n        return\n    y = x\n")
    assert flow.returns_none(3)  # bare return
    assert flow.returns_none(4)  # the last line: the frame ran off the end


def test_a_return_with_a_value_is_left_to_the_model_on_each_of_its_lines() -> None:
    flow = flow_of("def f(x):\n    return (x,\n            x)\n")
    assert not flow.returns_none(2) and not flow.returns_none(3)


def test_returns_reported_late_are_left_to_the_model() -> None:
    """A ``with`` header and a ``finally`` block report a return that ran earlier."""
    with_block = flow_of("def f(c):\n    with c:\n        return 1\n")
    assert not with_block.returns_none(2)
    finally_block = flow_of("def f(a):\n    try:\n        return a\n    finally:\n        a = 2\n")
    assert not finally_block.returns_none(5)


def test_generators_and_coroutines_return_their_yielded_values() -> None:
    assert not flow_of("def f(n):\n    yield n\n").returns_none(2)
    assert not flow_of("async def f(n):\n    await n\n    x = 1\n").returns_none(3)
    assert flow_of("def f(n):\n    yield n\n    return\n").returns_none(3)  # bare: still None


def test_the_rule_matches_the_real_traces_of_the_dev_set(
    dev_traces: list[tuple[dict[str, Any], Trace]],
) -> None:
    """Every return of the 200 dev functions, traced for real on the row's inputs.

    Every dev function returns a value, so the rule must force none of their
    returns (it may force those of the functions they define and call).
    """
    returns = 0
    for row, trace in dev_traces:
        found = forced_returns(row["code"], trace.frames)
        assert all(value == "None" for _, value in found), (row["id"], found)
        returns += sum(frame.event == "return" for frame in trace.frames)
    assert returns >= len(dev_traces) - 20  # a few rows raise
