"""Teacher forcing with the real default model: one guess per real step, the KV cache reused."""

from __future__ import annotations

from cwm_lsp.model.world import LlamaWorldModel
from cwm_lsp.trace.tracer import trace_call

SOURCE = """\
def bump(n):
    m = n + 1
    k = m * 2
    return k
"""


def test_the_model_guesses_every_real_step_from_the_real_frames_before_it(
    default_model: LlamaWorldModel,
) -> None:
    real = trace_call(source=SOURCE, function="bump", args="bump(3)").frames
    states = default_model.next_states(SOURCE, "bump", "3", real)

    assert states.error == ""
    assert len(states.predicted) == len(real) - 1
    first = states.predicted[0]
    assert first is not None and (first.event, first.line) == ("line", 2)
    last = states.predicted[-1]
    assert last is not None and last.event == "return"
    assert last.value == "8"  # `return k` is read off the real state


def test_each_real_frame_is_evaluated_once(default_model: LlamaWorldModel) -> None:
    real = trace_call(source=SOURCE, function="bump", args="bump(3)").frames
    default_model.engine.clear()
    once = default_model.next_states(SOURCE, "bump", "3", real[:2])
    default_model.engine.clear()
    whole = default_model.next_states(SOURCE, "bump", "3", real)
    # The longer run evaluates the prompt once, not once per step.
    assert whole.tokens_evaluated < once.tokens_evaluated + 40 * (len(real) - 2)
