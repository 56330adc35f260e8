"""The native CWM format on the tiny generated GGUF (random weights, real llama.cpp)."""

from __future__ import annotations

from cwm_lsp.formats.native import NativeFormat
from cwm_lsp.model.session import ImaginedSession
from cwm_lsp.model.world import LlamaWorldModel
from cwm_lsp.trace import EndReason, Frame
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


RETURNS = """\
class Box:
    def __init__(self, x):
        self.x = x


def f(x):
    if x:
        return
    y = x


def g(x):
    return x
"""


def test_a_return_the_source_says_is_none_gets_none_forced(tiny_model: LlamaWorldModel) -> None:
    """After ``<|arg_sep|>`` the value is forced where the source states it."""
    session = tiny_model.session(RETURNS, "f", args="1")
    fmt = session.fmt
    assert isinstance(fmt, NativeFormat)
    call = session.reset()

    def head(source: str) -> str:
        return f"{TOKENS['return_sep']}{TOKENS['action_sep']}{source}{TOKENS['arg_sep']}"

    at_bare = [call, Frame("line", 7, "    if x:", {"x": "1"}), Frame("line", 8, "    return", {})]
    assert fmt.known_return(at_bare, head("    return")) == "None"
    fell_off = [call, Frame("line", 9, "    y = x", {"x": "0"})]
    assert fmt.known_return(fell_off, head("    y = x")) == "None"
    init = [Frame("call", 2, "    def __init__(self, x):", {"x": "1"})]
    init.append(Frame("line", 3, "        self.x = x", {"x": "1"}))
    assert fmt.known_return(init, head("        self.x = x")) == "None"
    raised = [*fell_off, Frame("exception", 9, "    y = x", value="NameError('x')")]
    assert fmt.known_return(raised, head("    y = x")) is None  # it propagates
    valued = [Frame("call", 12, "def g(x):", {"x": "1"}), Frame("line", 13, "    return x", {})]
    assert fmt.known_return(valued, head("    return x")) is None  # the model's to say
