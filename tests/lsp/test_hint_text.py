"""What the hints and hovers say, from real traces (the real tracer runs the code)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cwm_lsp.lsp.line_values import line_records, uncaught_exception_line
from cwm_lsp.lsp.render import hint_label, hover_table, short_history
from cwm_lsp.trace import Frame, Trace

COUNT = """\
def count(n):
    total = 0
    for i in range(n):
        total += i
    return total
"""

DIVIDE = """\
def divide(a):
    zero = 0
    return a / zero
"""


def same_line(line: int) -> int | None:
    return line - 1


def labels(trace: Trace) -> dict[int, str]:
    return {line: hint_label(rec) for line, rec in line_records(trace, same_line).items()}


def test_a_line_shows_what_it_produced_not_the_state_before_it(
    trace_source: Callable[..., Any],
) -> None:
    got = labels(trace_source(COUNT, "count", "1"))
    assert got[1] == "total = 0"
    assert got[0] == "n = 1"  # the def line shows the inputs


def test_a_loop_history_is_shortened_with_a_count(trace_source: Callable[..., Any]) -> None:
    got = labels(trace_source(COUNT, "count", "7"))
    assert got[3] == "total = 1 → 3 → 6 … 21 (6×)"  # i = 0 leaves total unchanged
    assert got[2].startswith("i = 0 → 1 → 2 … 6 (7×)")


def test_the_return_line_shows_the_value(trace_source: Callable[..., Any]) -> None:
    assert labels(trace_source(COUNT, "count", "3"))[4] == "⇒ 3"


def test_the_raising_line_shows_the_exception(trace_source: Callable[..., Any]) -> None:
    trace = trace_source(DIVIDE, "divide", "1")
    assert labels(trace)[2] == "⚠ ZeroDivisionError('division by zero')"
    assert uncaught_exception_line(trace, same_line) == (2, "ZeroDivisionError('division by zero')")


def test_low_confidence_values_are_marked() -> None:
    frames = [
        Frame("call", 1, "def f():"),
        Frame("line", 2, "    x = g()", {}),
        Frame("line", 3, "    return x", {"x": "41"}, confidence={"x": 0.2}),
        Frame("return", 3, "    return x", value="41", confidence={"<value>": 0.9}),
    ]
    got = labels(Trace(frames))
    assert got[1] == "x = 41?" and got[2] == "⇒ 41"


def test_long_values_are_cut_with_an_ellipsis() -> None:
    frames = [
        Frame("call", 1, "def f():"),
        Frame("line", 2, "    s = 'a' * 100", {}),
        Frame("line", 3, "    return s", {"s": repr("a" * 100)}),
    ]
    label = labels(Trace(frames))[1]
    assert label.endswith("…") and len(label) <= len("s = ") + 30


def test_mismatches_with_the_real_run_are_marked(trace_source: Callable[..., Any]) -> None:
    real = line_records(trace_source(COUNT, "count", "3"), same_line)
    imagined = line_records(trace_source(COUNT, "count", "4"), same_line)
    assert hint_label(imagined[4], real[4]) == "⇒ 6 ≠ real: 3"
    assert hint_label(real[1], real[1]) == "total = 0"


def test_hover_has_one_row_per_iteration(trace_source: Callable[..., Any]) -> None:
    rec = line_records(trace_source(COUNT, "count", "3"), same_line)[3]
    table = hover_table(rec, "count(3)").splitlines()
    assert table[2] == "| step | n | total | i |"
    assert table[4:] == ["| 1 | 3 | 0 | 0 |", "| 2 | 3 | **1** | 1 |", "| 3 | 3 | **3** | 2 |"]


def test_short_histories_are_shown_whole() -> None:
    assert short_history(["1", "2", "3", "4"]) == "1 → 2 → 3 → 4"


# -- confidence: calibrated values under the threshold show as "?" -----------------------

GUESSED = Trace(
    frames=[
        Frame("call", 1, "def f(x):", {"x": "2"}),
        Frame("line", 2, "    y = x * 3", {"x": "2"}),
        Frame("line", 3, "    z = y + 1", {"x": "2", "y": "6"}, confidence={"y": 0.9}),
        Frame("line", 4, "    return z", {"x": "2", "y": "6", "z": "8"}, confidence={"z": 0.2}),
        Frame("return", 4, "    return z", value="8", confidence={"<value>": 0.95}),
    ],
    function="f",
)


def calibrated(trace: Trace) -> Trace:
    """The same trace as a calibrated model gives it (the raw probabilities kept beside)."""
    frames = [
        Frame(f.event, f.line, f.source, f.locals, f.value, f.confidence, dict(f.confidence))
        for f in trace.frames
    ]
    return Trace(frames=frames, function=trace.function)


def test_a_calibrated_value_below_the_threshold_shows_as_a_question_mark() -> None:
    records = line_records(calibrated(GUESSED), same_line)
    assert hint_label(records[1], min_confidence=0.5) == "y = 6"
    assert hint_label(records[2], min_confidence=0.5) == "z = ?"
    assert hint_label(records[2], min_confidence=0.1) == "z = 8"


def test_the_hover_still_shows_the_guess_with_its_confidence() -> None:
    records = line_records(calibrated(GUESSED), same_line)
    table = hover_table(records[2], "f")
    assert "**8** (20%)" in table
    assert "the probability that the value is right (calibrated)" in table
    assert "returns `8`, 95% (calibrated)" in hover_table(records[3], "f")


def test_raw_confidence_never_hides_a_value_and_says_what_it_is() -> None:
    records = line_records(GUESSED, same_line)  # no calibration for this model
    assert hint_label(records[2], min_confidence=0.5) == "z = 8?"
    assert "the model's own probability (no calibration" in hover_table(records[2], "f")
