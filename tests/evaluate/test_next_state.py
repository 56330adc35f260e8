"""Next-state accuracy: each guess at ``real[k]`` (made from ``real[:k]``) scored against it."""

from __future__ import annotations

from cwm_lsp.evaluate.next_state import line_kinds, score_next_states
from cwm_lsp.trace import VALUE_KEY, Frame

SOURCE = """\
def f(xs):
    total = 0
    for x in xs:
        total += x
    return total
"""

REAL = [
    Frame("call", 1, "def f(xs):", {"xs": "[2, 3]"}),
    Frame("line", 2, "    total = 0", {"xs": "[2, 3]"}),
    Frame("line", 3, "    for x in xs:", {"xs": "[2, 3]", "total": "0"}),
    Frame("line", 4, "        total += x", {"xs": "[2, 3]", "total": "0", "x": "2"}),
    Frame("line", 3, "    for x in xs:", {"xs": "[2, 3]", "total": "2", "x": "2"}),
    Frame("line", 5, "    return total", {"xs": "[2, 3]", "total": "2", "x": "2"}),
    Frame("return", 5, "    return total", value="2"),
]


def test_a_perfect_model_gets_every_step_right() -> None:
    scores = score_next_states(SOURCE, REAL, REAL[1:])
    assert scores.steps == 6
    assert scores.frames_correct == scores.events_correct == scores.lines_correct == 6
    assert scores.values_correct == scores.values_total == 4  # total, x, total, the return
    assert scores.returns_correct == scores.returns_total == 1


def test_only_the_values_that_changed_are_scored() -> None:
    wrong_total = Frame("line", 3, "    for x in xs:", {"xs": "[2, 3]", "total": "5", "x": "2"})
    guesses = [*REAL[1:4], wrong_total, *REAL[5:]]
    scores = score_next_states(SOURCE, REAL, guesses)
    assert scores.frames_correct == 5
    assert (scores.values_correct, scores.values_total) == (3, 4)
    assert scores.by_kind["assignment"].values_correct == 1  # total = 0 right, total += x wrong


def test_a_missing_or_wrong_event_counts_its_values_as_wrong() -> None:
    guesses: list[Frame | None] = [*REAL[1:6], None]
    scores = score_next_states(SOURCE, REAL, guesses)
    assert scores.events_correct == 5
    assert scores.returns_correct == 0 and scores.returns_total == 1


def test_the_return_value_carries_the_models_confidence() -> None:
    guess = Frame("return", 5, "    return total", value="2", confidence={VALUE_KEY: 0.25})
    scores = score_next_states(SOURCE, REAL, [*REAL[1:6], guess])
    assert scores.checks[-1].confidence == 0.25 and scores.checks[-1].correct


def test_steps_are_grouped_by_the_line_that_ran() -> None:
    assert line_kinds(SOURCE) == {
        1: "other",
        2: "assignment",
        3: "loop header",
        4: "assignment",
        5: "return",
    }
    scores = score_next_states(SOURCE, REAL, REAL[1:])
    assert {k: v.steps for k, v in scores.by_kind.items()} == {
        "entry": 1,
        "assignment": 2,
        "loop header": 2,
        "return": 1,
    }


def test_scores_survive_json() -> None:
    scores = score_next_states(SOURCE, REAL, REAL[1:])
    again = type(scores).from_json(scores.to_json())
    assert again.to_json() == scores.to_json()
