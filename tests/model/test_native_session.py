"""The native CWM format on the tiny generated GGUF (random weights, real llama.cpp)."""

from __future__ import annotations

from cwm_lsp.formats.native import NativeFormat
from cwm_lsp.model.session import ImaginedSession
from cwm_lsp.model.world import LlamaWorldModel
from cwm_lsp.trace import EndReason
from cwm_lsp.trace.codec import TOKENS

SOURCE = """\
def double(a):
    return a * 2


def f(x):
    y = double(x)
    return y
"""


def test_each_trace_token_is_one_token_of_the_vocabulary(tiny_model: LlamaWorldModel) -> None:
    engine = tiny_model.engine
    for name, text in TOKENS.items():
        ids = engine.tokenize(text, special=True)
        assert len(ids) == 1, name
    ids = engine.tokenize(TOKENS["frame_sep"] + "x" + TOKENS["call_sep"], special=True)
    assert len(ids) == 3


def test_the_prompt_is_the_marked_source_between_context_start_and_frame_sep(
    tiny_model: LlamaWorldModel,
) -> None:
    session = tiny_model.session(SOURCE, "f", args="3")
    assert isinstance(session, ImaginedSession)
    fmt = session.fmt
    assert isinstance(fmt, NativeFormat)
    session.reset()
    tokens = session.decoder.tokens
    assert tokens[:2] == [fmt.ids.begin, fmt.ids.context_start]
    prompt_text = tiny_model.engine.text(tokens[: session._prompt_end])
    assert "def f(x):  # << START_OF_TRACE\n" in prompt_text
    assert tokens[session._prompt_end - 1] == fmt.ids.frame_sep


def test_given_inputs_force_the_entry_call_frame(tiny_model: LlamaWorldModel) -> None:
    session = tiny_model.session(SOURCE, "f", args="3")
    frame = session.reset()
    assert (frame.event, frame.line, dict(frame.locals)) == ("call", 5, {"x": "3"})
    fmt = session.fmt
    assert isinstance(fmt, NativeFormat)
    forced = session.decoder.tokens[session._prompt_end :]
    assert forced[0] == fmt.ids.events["call"]
    assert fmt.ids.action_sep in forced
    assert forced[-1] == fmt.ids.frame_sep
    text = tiny_model.engine.text(forced)
    assert text == '<|call_sep|>{"x": "3"}<|action_sep|>def f(x):<|frame_sep|>'


def test_a_forced_event_is_the_first_token_of_the_frame(tiny_model: LlamaWorldModel) -> None:
    session = tiny_model.session(SOURCE, "f", args="3")
    session.reset()
    fmt = session.fmt
    assert isinstance(fmt, NativeFormat)
    start = len(session.decoder.tokens)
    fmt.generate(session.decoder, session.frames, "return", None)
    assert session.decoder.tokens[start] == fmt.ids.events["return"]
    # After a call frame the model is made to step into the callee's first line.
    start = len(session.decoder.tokens)
    session.decoder.truncate(session._ends[-1])
    fmt.generate(session.decoder, session.frames, None, None)
    assert session.decoder.tokens[session._ends[-1]] == fmt.ids.events["line"]


def test_a_garbage_producing_model_gives_counted_errors_not_exceptions(
    tiny_model: LlamaWorldModel,
) -> None:
    imagined = tiny_model.imagine(SOURCE, "f", "3", max_frames=8)
    trace = imagined.trace
    assert trace.parse_errors > 0
    assert trace.reason is EndReason.ERROR
    assert trace.frames[0].event == "call"  # the forced entry frame is still there
    invented = tiny_model.imagine(SOURCE, "f", None, max_frames=4)
    assert invented.invented_args
    assert invented.trace.reason is EndReason.ERROR


def test_a_file_that_does_not_parse_is_an_error_trace(tiny_model: LlamaWorldModel) -> None:
    imagined = tiny_model.imagine("def f(:\n", "f", "1")
    assert imagined.trace.reason is EndReason.ERROR
    assert "does not parse" in imagined.trace.error
