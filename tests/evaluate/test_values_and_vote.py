"""Comparing reprs by value, and majority votes over samples."""

from __future__ import annotations

import pytest

from cwm_lsp.evaluate.values import same_value
from cwm_lsp.evaluate.vote import majority


@pytest.mark.parametrize(
    ("predicted", "expected"),
    [("[1,2]", "[1, 2]"), ('"ab"', "'ab'"), ("{2, 1}", "{1, 2}"), ("3", "3.0"), (" 'x' ", "'x'")],
)
def test_equal_values_match_whatever_their_spelling(predicted: str, expected: str) -> None:
    assert same_value(predicted, expected)


@pytest.mark.parametrize(
    ("predicted", "expected"), [("[1, 2]", "(1, 2)"), ("'1'", "1"), ("None", "[]")]
)
def test_different_values_do_not_match(predicted: str, expected: str) -> None:
    assert not same_value(predicted, expected)


def test_non_literals_fall_back_to_comparing_text() -> None:
    assert same_value("<object>", "<object>")
    assert not same_value("f(1)", "f(2)")


def test_no_prediction_matches_nothing() -> None:
    assert not same_value(None, "None")


def test_the_most_frequent_value_wins_with_equal_values_grouped() -> None:
    vote = majority(["[1]", "[2]", "[1, 2]", "[1,2]"])

    assert vote.winner == "[1, 2]"
    assert vote.index == 2
    assert vote.counts == {"[1]": 1, "[2]": 1, "[1, 2]": 2}


def test_a_tie_goes_to_the_earliest_sample() -> None:
    assert majority(["'b'", "'a'", "'a'", "'b'"]).winner == "'b'"


def test_samples_without_a_prediction_do_not_vote() -> None:
    assert majority([None, "1", None]).winner == "1"
    assert majority([None, None]).winner is None
