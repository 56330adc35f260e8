"""Scoring an imagined trace against the real one, step by step."""

from __future__ import annotations

import dataclasses

import pytest
from eval_traces import imagined_from, line, real_frames

from cwm_lsp.evaluate.metrics import score_trace, value_checks
from cwm_lsp.trace import VALUE_KEY, EndReason, Frame, Trace


def with_state(frame: Frame, **changes: str) -> Frame:
    return dataclasses.replace(frame, locals={**frame.locals, **changes})


def test_an_identical_trace_scores_perfectly(real: Trace) -> None:
    scores = score_trace(imagined_from(real_frames()), real, expected_output="3")

    assert scores.output_correct
    assert scores.exact_match
    assert scores.first_divergence is None
    assert (scores.frame_accuracy, scores.line_accuracy, scores.value_accuracy) == (1.0, 1.0, 1.0)
    assert (scores.values_correct, scores.values_total) == (20, 20)


def test_values_are_compared_as_values_not_text(real: Trace) -> None:
    frames = real_frames()
    frames[0] = with_state(frames[0], xs="[1,2]")

    scores = score_trace(imagined_from(frames), real, expected_output="3")

    assert scores.exact_match
    assert scores.frames_matched == 9


def test_a_wrong_value_mid_way_counts_from_the_step_it_appears(real: Trace) -> None:
    frames = real_frames()
    frames[5] = with_state(frames[5], total="2")
    frames[6] = with_state(frames[6], total="4")
    frames[7] = with_state(frames[7], total="4")
    frames[8] = dataclasses.replace(frames[8], value="4")

    scores = score_trace(imagined_from(frames), real, expected_output="3")

    assert not scores.output_correct
    assert not scores.exact_match
    assert scores.first_divergence == 5
    assert scores.divergence_kind == "values"
    assert scores.frames_matched == 5
    assert scores.line_accuracy == 1.0
    assert (scores.values_correct, scores.values_total) == (16, 20)


def test_a_trace_cut_short_loses_the_missing_steps(real: Trace) -> None:
    imagined = imagined_from(real_frames()[:4], reason=EndReason.FRAME_CAP)

    scores = score_trace(imagined, real, expected_output="3")

    assert not scores.output_correct
    assert scores.first_divergence == 4
    assert scores.divergence_kind == "length"
    assert scores.frame_accuracy == pytest.approx(4 / 9)
    assert scores.line_accuracy == pytest.approx(4 / 9)
    assert (scores.values_correct, scores.values_total) == (7, 20)


def test_extra_imagined_steps_are_penalised(real: Trace) -> None:
    frames = real_frames()
    extra = [line(3, "    for x in xs:", xs="[1, 2]", total="3", x="2")]
    imagined = imagined_from(frames[:-1] + extra + frames[-1:])

    scores = score_trace(imagined, real, expected_output="3")

    assert scores.output_correct
    assert scores.steps == 10
    assert scores.frames_matched == 8
    assert scores.first_divergence == 8


def test_output_is_judged_against_the_expected_output_by_value(real: Trace) -> None:
    frames = real_frames()
    frames[8] = dataclasses.replace(frames[8], value="3.0")

    assert score_trace(imagined_from(frames), real, expected_output="3").output_correct
    assert not score_trace(imagined_from(frames), real, expected_output="'3'").output_correct


def test_a_trace_that_did_not_return_has_no_correct_output(real: Trace) -> None:
    imagined = imagined_from(real_frames(), reason=EndReason.ERROR)

    assert not score_trace(imagined, real, expected_output="3").output_correct


def test_parse_errors_are_carried_over(real: Trace) -> None:
    scores = score_trace(imagined_from(real_frames(), parse_errors=3), real)

    assert scores.parse_errors == 3


def test_each_confident_value_is_checked_against_the_real_step() -> None:
    real = real_frames()
    imagined = real_frames()
    imagined[3] = dataclasses.replace(
        imagined[3], locals={**imagined[3].locals, "x": "5"}, confidence={"x": 0.4, "total": 0.9}
    )
    imagined[8] = dataclasses.replace(imagined[8], confidence={VALUE_KEY: 0.8})

    checks = value_checks(imagined, real)

    assert [(c.confidence, c.correct) for c in checks] == [(0.4, False), (0.9, True), (0.8, True)]


def test_confident_values_past_the_real_end_are_wrong() -> None:
    real = real_frames()[:2]
    imagined = real_frames()[:3]
    imagined[2] = dataclasses.replace(imagined[2], confidence={"total": 0.99})

    assert [c.correct for c in value_checks(imagined, real)] == [False]
