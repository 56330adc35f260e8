"""Stepping sessions on the embedded default model (generic format, real llama.cpp).

These assert behaviour, not accuracy: frames parse and sit on real lines,
stepping evaluates only new tokens, back/edit/next do what they say.
"""

from __future__ import annotations

import pytest

from cwm_lsp.model.session import ImaginedSession
from cwm_lsp.model.world import LlamaWorldModel
from cwm_lsp.trace import VALUE_KEY, EndReason, frame_depths

pytestmark = [pytest.mark.model, pytest.mark.slow]

SOURCE = """\
def double(a):
    return a * 2


def f(items):
    total = 0
    for item in items:
        total = total + double(item)
    return total
"""
LINES = SOURCE.splitlines()


@pytest.fixture
def session(default_model: LlamaWorldModel) -> ImaginedSession:
    s = default_model.session(SOURCE, "f", args="[1, 2]", max_frames=30)
    assert isinstance(s, ImaginedSession)
    s.reset()
    return s


def test_frames_parse_and_map_to_real_lines_with_confidence(session: ImaginedSession) -> None:
    for _ in range(6):
        session.step()
    assert session.parse_errors == 0
    for frame in session.frames:
        assert frame.source == LINES[frame.line - 1].rstrip()
    predicted = [f for f in session.frames[1:] if f.confidence]
    assert predicted, "some frame carries a predicted value"
    for frame in predicted:
        assert all(0.0 < p <= 1.0 for p in frame.confidence.values())


def test_a_later_step_evaluates_only_the_new_tokens(session: ImaginedSession) -> None:
    session.step()
    engine = session.decoder.engine
    before, history = session.tokens_evaluated, len(session.decoder.tokens)
    session.step()
    new = len(session.decoder.tokens) - history
    # the new frame's tokens, each once (the last token of the history again at most)
    assert 0 < session.tokens_evaluated - before <= new + 1
    assert session.tokens_evaluated - before < history / 4  # not the prompt again
    assert list(engine.cached_tokens()) == session.decoder.tokens


def test_a_step_leaves_its_whole_frame_in_the_cache(session: ImaginedSession) -> None:
    """The forced tail of a frame (its source text) is evaluated by its own step, not the next."""
    engine = session.decoder.engine
    assert list(engine.cached_tokens()) == session.decoder.tokens  # reset: prompt and entry
    for _ in range(3):
        session.step()
        assert list(engine.cached_tokens()) == session.decoder.tokens


def test_back_restores_the_previous_state_exactly(session: ImaginedSession) -> None:
    session.step()
    frames, tokens = list(session.frames), list(session.decoder.tokens)
    session.step()
    session.back()
    assert session.frames == frames
    assert session.decoder.tokens == tokens
    assert session.current == frames[-1]
    # Stepping again evaluates from the cut, not from the start.
    before = session.tokens_evaluated
    session.step()
    assert session.tokens_evaluated - before < 40


def test_an_edit_changes_what_follows(session: ImaginedSession) -> None:
    session.step()  # line 6: total = 0
    session.step()  # line 7: the loop, total is 0 now
    assert session.current.line == 7
    edited = session.edit("total", "1000")
    assert edited.locals["total"] == "1000"
    assert edited.confidence["total"] == 1.0
    text = session.engine.text(session.decoder.tokens[-30:])
    assert "total=1000" in text
    following = session.step()
    assert following.locals["total"] != "0"


def test_next_steps_over_calls_without_frames_inside_the_callee(session: ImaginedSession) -> None:
    seen = 1
    while not session.done and len(session.frames) < 20:
        session.next()
        new = session.frames[seen:]
        seen = len(session.frames)
        depths = frame_depths(session.frames)[-len(new) :] if new else []
        assert all(not (f.event == "line" and d > 0) for f, d in zip(new, depths, strict=True))
    calls = [f for f in session.frames if f.event == "call"][1:]
    assert calls, "the model called double() at least once"
    for i, frame in enumerate(session.frames[:-1]):
        if frame.event == "call" and i > 0:
            assert session.frames[i + 1].event == "return"


def test_run_ends_with_the_frame_cap_for_a_runaway_trace(default_model: LlamaWorldModel) -> None:
    source = "def spin(n):\n    while True:\n        n += 1\n"
    trace = default_model.session(source, "spin", args="0", max_frames=6).run()
    assert trace.reason is EndReason.FRAME_CAP
    assert len(trace.frames) == 6


def test_without_inputs_the_model_invents_them(default_model: LlamaWorldModel) -> None:
    imagined = default_model.imagine(SOURCE, "f", None, max_frames=3)
    assert imagined.invented_args
    assert imagined.trace.args
    assert imagined.trace.frames[0].event == "call"
    assert set(imagined.trace.frames[0].locals) == {"items"}


def test_a_return_value_carries_confidence(default_model: LlamaWorldModel) -> None:
    trace = default_model.imagine("def one():\n    return 1\n", "one", "", max_frames=5).trace
    assert trace.reason is EndReason.RETURNED
    assert trace.frames[-1].event == "return"
    assert VALUE_KEY in trace.frames[-1].confidence


def test_a_division_by_a_zero_the_state_holds_raises(default_model: LlamaWorldModel) -> None:
    """Python's arithmetic decides it, not the model: the exception frame is written for it."""
    source = "def divide(a):\n    zero = 1\n    return a / zero\n"
    session = default_model.session(source, "divide", args="7", max_frames=10)
    assert isinstance(session, ImaginedSession)
    session.reset()
    session.step()  # line 2
    at_return = session.step()
    assert (at_return.event, at_return.line) == ("line", 3)
    session.edit("zero", "0")
    raised = session.step()
    assert (raised.event, raised.line) == ("exception", 3)
    assert raised.value == "ZeroDivisionError('division by zero')"
    trace = session.run()
    assert trace.reason == EndReason.RAISED
    assert trace.frames[-1].event == "return"
