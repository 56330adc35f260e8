"""Traces as text tables, alone and side by side."""

from __future__ import annotations

import dataclasses

from cwm_lsp.trace import EndReason, Frame, Trace
from cwm_lsp.trace.render import changes_per_step, render_side_by_side, render_table

TRACE = Trace(
    function="f",
    args="2",
    frames=[
        Frame("call", 1, "def f(n):", {"n": "2"}),
        Frame("line", 2, "    s = n * 2", {"n": "2"}),
        Frame("line", 3, "    return g(s)", {"n": "2", "s": "4"}),
        Frame("call", 5, "def g(x):", {"x": "4"}),
        Frame("line", 6, "    return x + 1", {"x": "4"}),
        Frame("return", 6, "    return x + 1", value="5"),
        Frame("return", 3, "    return g(s)", value="5"),
    ],
    stdout="hello\n",
)


def test_changed_locals_are_arguments_at_a_call_and_new_values_at_a_line():
    assert changes_per_step(TRACE.frames) == [
        {"n": "2"},
        {},
        {"s": "4"},
        {"x": "4"},
        {},
        {},
        {},
    ]


def test_table_has_a_row_per_step_with_line_event_source_changes_and_value():
    text = render_table(TRACE)
    lines = text.splitlines()

    assert lines[0] == "f(2)"
    assert lines[2].split() == ["step", "line", "event", "source", "changed", "value"]
    assert lines[6].split() == ["2", "3", "line", "return", "g(s)", "s=4"]
    assert lines[7].split() == ["3", "5", "call", "def", "g(x):", "x=4"]
    assert lines[10].split()[-1] == "5"
    assert "7 steps, returned 5" in text
    assert "--- program stdout ---\nhello" in text


def test_table_says_why_a_trace_stopped():
    stopped = dataclasses.replace(
        TRACE, frames=TRACE.frames[:3], reason=EndReason.TIMEOUT, error="no result after 1 s"
    )

    assert "3 steps, timeout: no result after 1 s" in render_table(stopped)


def test_side_by_side_marks_the_first_divergence_and_later_mismatches():
    frames = list(TRACE.frames)
    frames[2] = dataclasses.replace(frames[2], locals={"n": "2", "s": "5"})
    frames[3] = dataclasses.replace(frames[3], locals={"x": "5"})
    imagined = dataclasses.replace(TRACE, frames=frames, stdout="")

    text = render_side_by_side(imagined, TRACE)
    rows = text.splitlines()

    assert rows[4].split()[0] == "0" and rows[5].split()[0] == "1"  # matching: no mark
    assert rows[6].startswith(">> ") and rows[6].split()[1] == "2"
    assert rows[7].startswith("≠ ") and rows[7].split()[1] == "3"
    assert "first divergence at step 2 (values): step 2, line 3: s: imagined 5, real 4" in text
    assert "2 steps match before it" in text


def test_side_by_side_of_equal_traces_says_they_agree():
    assert "the traces agree at every step" in render_side_by_side(TRACE, TRACE)
