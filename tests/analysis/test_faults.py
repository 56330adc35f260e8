"""Certain faults: where a line's arithmetic must raise on the numbers the state holds.

The rule may only speak when Python would raise for sure, and must then name
the exception Python raises; everywhere else it stays silent and the model
decides.  The property test holds it against Python's own evaluation.
"""

from __future__ import annotations

import ast
import textwrap
from typing import Any

import pytest
from frame_walk import in_functions
from hypothesis import given, settings
from hypothesis import strategies as st

from cwm_lsp.analysis.faults import CertainFaults
from cwm_lsp.analysis.source_index import SourceIndex
from cwm_lsp.trace import Frame, frame_depths
from cwm_lsp.trace.tracer import trace_call


def faults_of(body: str) -> CertainFaults:
    source = "def f(a, b, c):\n" + textwrap.indent(textwrap.dedent(body), "    ")
    node = ast.parse(source).body[0]
    assert isinstance(node, ast.FunctionDef)
    return CertainFaults(node)


def test_a_number_divided_by_a_zero_local_raises() -> None:
    faults = faults_of("zero = 0\nreturn a / zero\n")
    assert faults.at(3, {"a": "7", "zero": "0"}) == "ZeroDivisionError('division by zero')"


def test_the_message_is_the_one_python_gives_for_the_operator_and_types() -> None:
    faults = faults_of("q = a // b\nr = a % b\ns = a / b\n")
    ints = {"a": "7", "b": "0"}
    floats = {"a": "7.5", "b": "0.0"}
    assert faults.at(2, ints) == "ZeroDivisionError('integer division or modulo by zero')"
    assert faults.at(3, ints) == repr(_raised(lambda: 7 % 0))
    assert faults.at(4, floats) == repr(_raised(lambda: 7.5 / 0.0))


def test_a_nonzero_divisor_or_an_unknown_value_leaves_it_to_the_model() -> None:
    faults = faults_of("return a / b\n")
    assert faults.at(2, {"a": "7", "b": "2"}) is None
    assert faults.at(2, {"a": "7"}) is None  # b is not in the state
    assert faults.at(2, {"a": "'x'", "b": "0"}) is None  # str / int: not arithmetic on numbers
    assert faults.at(2, {"a": "7", "b": "[0]"}) is None
    assert faults.at(2, {"a": "7", "b": "not a repr"}) is None


def test_lines_that_could_run_other_code_first_never_qualify() -> None:
    faults = faults_of(
        """\
        x = len(a) / 0
        y = a.real / 0
        z = a[0] / 0
        w = a ** b / 0
        c[0] /= 0
        """
    )
    assert faults.lines == frozenset()


def test_augmented_assignment_and_branch_headers() -> None:
    faults = faults_of("a //= b\nif a % b == 1:\n    pass\nwhile c / b:\n    pass\n")
    state = {"a": "9", "b": "0", "c": "1"}
    assert faults.at(2, state) == "ZeroDivisionError('integer division or modulo by zero')"
    assert faults.at(3, state) == repr(_raised(lambda: 9 % 0))
    assert faults.at(5, state) == "ZeroDivisionError('division by zero')"


def test_short_circuits_are_followed_as_python_follows_them() -> None:
    faults = faults_of("ok = b != 0 and a / b > 1\nv = a / b if b else 0\nw = b == 0 or a / b\n")
    state = {"a": "9", "b": "0"}
    assert faults.at(2, state) is None
    assert faults.at(3, state) is None
    assert faults.at(4, state) is None


def test_runaway_numbers_are_left_to_the_model() -> None:
    faults = faults_of("return a * a * a * a / b\n")
    assert faults.at(2, {"a": "9" * 300, "b": "0"}) is None  # too long to follow
    assert faults.at(2, {"a": "9" * 1000, "b": "0"}) is None


# ------------------------------------------------------------------ property

_NAMES = ("a", "b", "c")
_leaves = st.one_of(
    st.sampled_from(_NAMES),
    st.integers(-3, 3).map(str),
    st.sampled_from(["0.0", "1.5", "-2.0", "True", "False"]),
)


def _combine(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    binary = st.tuples(children, st.sampled_from(["+", "-", "*", "/", "//", "%"]), children)
    compare = st.tuples(children, st.sampled_from(["<", "==", "!=", ">="]), children)
    logic = st.tuples(children, st.sampled_from(["and", "or"]), children)
    return st.one_of(
        binary.map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        compare.map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        logic.map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        children.map(lambda e: f"(-{e})"),
        children.map(lambda e: f"(not {e})"),
        st.tuples(children, children, children).map(lambda t: f"({t[0]} if {t[1]} else {t[2]})"),
    )


_expressions = st.recursive(_leaves, _combine, max_leaves=8)
_values = st.one_of(st.integers(-3, 3), st.sampled_from([0.0, 2.5, -1.0, True, False]))


@settings(max_examples=400, deadline=None)
@given(_expressions, st.tuples(_values, _values, _values))
def test_it_agrees_with_python_on_every_arithmetic_line(
    expression: str, numbers: tuple[object, object, object]
) -> None:
    state = dict(zip(_NAMES, (repr(n) for n in numbers), strict=True))
    faults = faults_of(f"x = {expression}\n")
    assert faults.lines == frozenset({2})
    expected = _raised(lambda: eval(expression, {}, dict(zip(_NAMES, numbers, strict=True))))
    assert faults.at(2, state) == (repr(expected) if expected is not None else None)


def _raised(run: object) -> BaseException | None:
    try:
        run()  # type: ignore[operator]
    except (ZeroDivisionError, OverflowError) as exc:
        return exc
    return None


# ------------------------------------------------------------------ real traces

REAL = """\
def mean(xs, n):
    total = 0
    for x in xs:
        total += x
    return total / n


def ratio(a, b):
    if b % 2 == 0:
        b = b * 1
    q = a // b
    return q


def safe(a, b):
    try:
        return a / b
    except ZeroDivisionError:
        return -1.0
"""
REAL_CALLS = ["mean([1, 2], 0)", "mean([1, 2], 2)", "ratio(3, 0)", "ratio(3, 2)", "safe(1, 0)"]


def disagreements(source: str, frames: list[Frame]) -> list[tuple[int, str | None, str | None]]:
    """(line, rule, reality) wherever the rule's verdict at a real line frame is not what ran."""
    index = SourceIndex(source)
    by_call_line = {info.call_line: index.faults(info) for info in index.functions}
    depths = frame_depths(frames)
    found = []
    for i, frame, depth, faults in in_functions(frames, by_call_line):
        if frame.event != "line" or faults is None or frame.line not in faults.lines:
            continue
        later = zip(frames[i + 1 :], depths[i + 1 :], strict=True)
        following = next((f for f, d in later if d <= depth), None)
        raised = following.value if following and following.event == "exception" else None
        rule = faults.at(frame.line, frame.locals)
        if rule != raised:
            found.append((frame.line, rule, raised))
    return found


@pytest.mark.parametrize("call", REAL_CALLS)
def test_the_rule_matches_what_python_raised(call: str) -> None:
    trace = trace_call(source=REAL, function=call.split("(")[0], args=call)
    assert trace.frames
    assert disagreements(REAL, trace.frames) == []


def test_the_rule_matches_the_real_traces_of_the_dev_set(
    cruxeval_rows: list[dict[str, Any]],
) -> None:
    """Every dev function with a line of plain arithmetic, traced for real."""
    checked = 0
    for row in cruxeval_rows:
        index = SourceIndex(row["code"])
        faults = [index.faults(info) for info in index.functions]
        if not any(f is not None and f.lines for f in faults):
            continue
        trace = trace_call(row["code"], function="f", args=row["input"], repr_limit=0)
        assert disagreements(row["code"], trace.frames) == [], row["id"]
        checked += 1
    assert checked > 0
