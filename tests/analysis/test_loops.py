"""for loops over values the trace already holds: items and ends read off the state."""

from __future__ import annotations

import ast

import pytest

from cwm_lsp.analysis.loops import LoopInfo, bind, find_loops, items
from cwm_lsp.analysis.source_index import SourceIndex
from cwm_lsp.formats.generic import GenericFormat
from cwm_lsp.formats.generic_text import parse_frame
from cwm_lsp.trace.tracer import trace_call


def loop_of(source: str) -> LoopInfo | None:
    (node,) = [n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef)]
    found = find_loops(node)
    return next(iter(found.values()), None)


@pytest.mark.parametrize(
    ("header", "state", "expected"),
    [
        ("for ch in text:", {"text": "'ab'"}, ["a", "b"]),
        ("for x in nums:", {"nums": "[3, 1]"}, [3, 1]),
        ("for k in d:", {"d": "{'a': 1}"}, ["a"]),
        ("for i in range(len(nums)):", {"nums": "[3, 1, 2]"}, [0, 1, 2]),
        ("for i in range(1, n, 2):", {"n": "6"}, [1, 3, 5]),
        ("for i, x in enumerate(nums):", {"nums": "[7]"}, [(0, 7)]),
        ("for k, v in d.items():", {"d": "{'a': 1}"}, [("a", 1)]),
        ("for x in reversed(nums):", {"nums": "[1, 2]"}, [2, 1]),
    ],
)
def test_items_come_from_the_state(
    header: str, state: dict[str, str], expected: list[object]
) -> None:
    loop = loop_of(f"def f(text, nums, d, n):\n    {header}\n        pass\n")
    assert loop is not None
    assert items(loop, state) == expected


def test_sets_calls_and_unknown_names_are_left_to_the_model() -> None:
    for header, state in [
        ("for x in s:", {"s": "{1, 2}"}),  # hash order
        ("for x in sorted(nums):", {"nums": "[2, 1]"}),
        ("for x in nums:", {}),
        ("for x in nums:", {"nums": "text.split()"}),
    ]:
        loop = loop_of(f"def f(s, nums):\n    {header}\n        pass\n")
        assert loop is not None and items(loop, state) is None


def test_a_loop_whose_body_may_change_the_iterable_is_left_to_the_model() -> None:
    assert loop_of("def f(nums):\n    for x in nums:\n        nums.remove(x)\n") is None


def test_loop_variables_are_bound_as_reprs() -> None:
    loop = loop_of("def f(d):\n    for k, v in d.items():\n        pass\n")
    assert loop is not None
    assert bind(loop, ("a", 1)) == {"k": "'a'", "v": "1"}
    assert bind(loop, "ab") is None  # a string unpacks too, but that is left to the model


SOURCE = """\
def f(text, nums):
    out = ''
    for i, ch in enumerate(text):
        out += ch * nums[i % len(nums)]
    for n in nums:
        out = out + str(n)
    return out
"""


def test_on_a_real_trace_every_planned_frame_is_the_real_next_frame() -> None:
    trace = trace_call(source=SOURCE, function="f", args="f('ab', [2, 1])")
    fmt = GenericFormat.__new__(GenericFormat)  # the planning needs no model
    fmt.index, fmt.line_flow = SourceIndex(SOURCE), True
    fmt.entry_info = fmt.index.find("f")
    fmt.lines = SOURCE.splitlines()
    frames = trace.frames
    planned = 0
    for i in range(1, len(frames) - 1):
        plan = fmt.loop_plan(frames[: i + 1])
        if isinstance(plan, str):
            parsed = parse_frame(plan.splitlines()[0], fmt.source_of)
            assert parsed.line == frames[i + 1].line
            assert {**fmt._base(frames[: i + 1]), **parsed.delta} == frames[i + 1].locals
            planned += 1
        elif plan is not None:
            assert frames[i + 1].line in plan or frames[i + 1].event == "return"
    assert planned == 4  # 2 letters, 2 numbers


def test_a_body_that_only_reads_the_iterable_keeps_the_plan() -> None:
    assert loop_of("def f(nums):\n    for n in nums:\n        c = nums.count(n) + len(nums)\n")
    assert loop_of("def f(nums):\n    for n in nums:\n        nums[0] = n\n") is None
    assert loop_of("def f(nums):\n    for n in nums:\n        helper(nums)\n") is None
    assert (
        loop_of("def f(nums):\n    view = nums\n    for n in nums:\n        view.pop()\n") is None
    )
