"""Comparing an imagined trace with the real one: first divergence, mismatched values."""

from __future__ import annotations

import dataclasses

import pytest

from cwm_lsp.trace import EndReason, Frame, Trace
from cwm_lsp.trace.compare import VALUE, compare, values_equal

REAL = Trace(
    function="f",
    args="2",
    frames=[
        Frame("call", 1, "def f(n):", {"n": "2"}),
        Frame("line", 2, "    s = [n, n]", {"n": "2"}),
        Frame("line", 3, "    t = n + 1", {"n": "2", "s": "[2, 2]"}),
        Frame("line", 4, "    return t", {"n": "2", "s": "[2, 2]", "t": "3"}),
        Frame("return", 4, "    return t", value="3"),
    ],
)


def with_frame(trace: Trace, index: int, **changes: object) -> Trace:
    frames = list(trace.frames)
    frames[index] = dataclasses.replace(frames[index], **changes)  # type: ignore[arg-type]
    return dataclasses.replace(trace, frames=frames)


def test_identical_traces_have_no_divergence_and_match_at_every_step():
    result = compare(REAL, REAL)

    assert result.identical and result.divergence is None
    assert result.matching_prefix == result.aligned == 5
    assert result.mismatches == []


def test_a_wrong_local_is_a_values_divergence_naming_the_variable():
    imagined = with_frame(REAL, 2, locals={"n": "2", "s": "[2, 3]"})

    result = compare(imagined, REAL)

    assert result.divergence is not None
    assert (result.divergence.step, result.divergence.kind) == (2, "values")
    assert "s: imagined [2, 3], real [2, 2]" in result.divergence.description
    assert result.matching_prefix == 2
    assert [(m.step, m.names) for m in result.mismatches] == [(2, ("s",))]


def test_value_mismatches_are_listed_for_every_aligned_step_after_the_first():
    imagined = with_frame(REAL, 2, locals={"n": "2", "s": "[2, 3]"})
    imagined = with_frame(imagined, 3, locals={"n": "2", "s": "[2, 3]", "t": "4"})

    result = compare(imagined, REAL)

    assert [(m.step, m.names) for m in result.mismatches] == [(2, ("s",)), (3, ("s", "t"))]
    assert result.aligned == 5
    assert result.mismatch_at(3) is not None and result.mismatch_at(3).real["t"] == "3"


def test_a_missing_or_extra_local_is_a_mismatch():
    imagined = with_frame(REAL, 3, locals={"n": "2", "t": "3", "u": "0"})

    mismatch = compare(imagined, REAL).mismatches[0]

    assert mismatch.names == ("s", "u")
    assert mismatch.imagined["s"] is None and mismatch.real["u"] is None


def test_a_wrong_final_value_is_a_return_value_divergence():
    imagined = with_frame(REAL, 4, value="4")

    result = compare(imagined, REAL)

    assert result.divergence is not None
    assert (result.divergence.step, result.divergence.kind) == (4, "return value")
    assert result.mismatches[0].names == (VALUE,)


def test_a_different_line_is_a_line_divergence_and_stops_alignment():
    imagined = with_frame(REAL, 2, line=5, source="    t = 0")

    result = compare(imagined, REAL)

    assert result.divergence is not None
    assert (result.divergence.step, result.divergence.kind) == (2, "line")
    assert "imagined line 5" in result.divergence.description
    assert result.aligned == result.matching_prefix == 2


def test_a_different_event_is_an_event_divergence():
    imagined = with_frame(REAL, 3, event="return", locals={}, value="3")

    result = compare(imagined, REAL)

    assert result.divergence is not None
    assert (result.divergence.step, result.divergence.kind) == (3, "event")


def test_a_trace_that_stops_early_is_a_length_divergence():
    imagined = dataclasses.replace(REAL, frames=REAL.frames[:3], reason=EndReason.ERROR)

    result = compare(imagined, REAL)

    assert result.divergence is not None
    assert (result.divergence.step, result.divergence.kind) == (3, "length")
    assert result.matching_prefix == 3


def test_same_frames_that_end_differently_are_a_length_divergence():
    imagined = dataclasses.replace(REAL, reason=EndReason.FRAME_CAP)

    result = compare(imagined, REAL)

    assert result.divergence is not None and result.divergence.kind == "length"
    assert "frame cap" in result.divergence.description


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        ("[1,2]", "[1, 2]", True),
        ("{'a': (1,)}", '{"a": (1,)}', True),
        ("1", "True", False),
        ("1", "1.0", False),
        ("[1, 2, 3…", "[1, 2, 3, 4]", True),
        ("[1, 9…", "[1, 2, 3, 4]", False),
        ("<object at 0x1>", "<object at 0x1>", True),
        ("<object at 0x1>", "<object at 0x2>", False),
        (None, "1", False),
    ],
)
def test_values_are_compared_as_values_not_as_text(first, second, same):
    assert values_equal(first, second) is same


def test_comparing_two_real_runs_with_different_inputs_finds_where_they_part(trace_source):
    source = """
    def sign(x):
        if x < 0:
            return -1
        return 1
    """
    negative = trace_source(source, "sign", "-5")
    positive = trace_source(source, "sign", "5")

    result = compare(negative, positive)

    assert result.divergence is not None
    assert result.divergence.kind == "values" and result.divergence.step == 0
    assert result.aligned == 2  # call and the `if` line agree; then line 3 vs line 4
    assert result.to_json()["divergence"]["kind"] == "values"
