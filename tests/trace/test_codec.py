"""The CWM trace codec: Traces to CWM frame text and model output back to Frames."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cwm_lsp.trace import EndReason, Frame, Trace
from cwm_lsp.trace.codec import (
    ACTION_SEP,
    END_OF_TEXT,
    FRAME_SEP,
    START_MARKER,
    TOKENS,
    LineMapper,
    TraceDecoder,
    decode,
    encode,
    encode_frames,
    encode_prompt,
    mark_entry,
)

TWO_RETURNS = """\
def f(n):
    if n < 2:
        return n
    if n > 4:
        return n
    return 0
"""

CALLER = """\
def g(x):
    y = x * 2
    return y

def f(a):
    b = g(a)
    c = g(b)
    return c
"""


def frame(event: str, line: int, source: str, value: str | None = None, **state: str) -> Frame:
    return Frame(event=event, line=line, source=source, locals=state, value=value)  # type: ignore[arg-type]


def caller_trace() -> Trace:
    return Trace(
        frames=[
            frame("call", 5, "def f(a):", a="1"),
            frame("line", 6, "    b = g(a)", a="1"),
            frame("call", 1, "def g(x):", x="1"),
            frame("line", 2, "    y = x * 2", x="1"),
            frame("line", 3, "    return y", x="1", y="2"),
            frame("return", 3, "    return y", value="2"),
            frame("line", 7, "    c = g(b)", a="1", b="2"),
            frame("call", 1, "def g(x):", x="2"),
            frame("line", 2, "    y = x * 2", x="2"),
            frame("line", 3, "    return y", x="2", y="4"),
            frame("return", 3, "    return y", value="4"),
            frame("line", 8, "    return c", a="1", b="2", c="4"),
            frame("return", 8, "    return c", value="4"),
        ],
        reason=EndReason.RETURNED,
        function="f",
    )


class TestEncoding:
    def test_prompt_marks_the_entry_def_line_and_ends_with_frame_sep(self) -> None:
        prompt = encode_prompt(CALLER, "f")
        assert prompt.startswith("<|begin_of_text|><|trace_context_start|>def g(x):\n")
        assert "def f(a):" + START_MARKER + "\n" in prompt
        assert "def g(x):" + START_MARKER not in prompt
        assert prompt.endswith(FRAME_SEP)

    def test_marking_keeps_crlf_line_endings(self) -> None:
        assert (
            mark_entry("def f():\r\n    pass\r\n", "f") == f"def f():{START_MARKER}\r\n    pass\r\n"
        )

    def test_unchanged_values_are_dots_within_a_scope(self) -> None:
        text = encode_frames(caller_trace().frames)
        frames = text.split(FRAME_SEP)
        assert frames[1] == TOKENS["line_sep"] + '{"a": ".."}' + ACTION_SEP + "    b = g(a)"
        assert (
            frames[4] == TOKENS["line_sep"] + '{"x": "..", "y": "2"}' + ACTION_SEP + "    return y"
        )

    def test_values_are_written_in_full_after_a_call_or_a_return(self) -> None:
        frames = encode_frames(caller_trace().frames).split(FRAME_SEP)
        assert frames[2] == TOKENS["call_sep"] + '{"x": "1"}' + ACTION_SEP + "def g(x):"
        # first frame back in the caller after g returned
        assert (
            frames[6] == TOKENS["line_sep"] + '{"a": "1", "b": "2"}' + ACTION_SEP + "    c = g(b)"
        )

    def test_return_value_is_a_json_string_after_arg_sep(self) -> None:
        frames = encode_frames(caller_trace().frames).split(FRAME_SEP)
        assert frames[5] == TOKENS["return_sep"] + ACTION_SEP + '    return y<|arg_sep|>"2"'

    def test_a_finished_trace_ends_with_end_of_text(self) -> None:
        assert encode(caller_trace(), CALLER).endswith(FRAME_SEP + END_OF_TEXT)
        cut = Trace(frames=caller_trace().frames[:3], reason=EndReason.FRAME_CAP, function="f")
        assert not encode(cut, CALLER).endswith(END_OF_TEXT)


class TestDecoding:
    def test_decode_inverts_encode_across_calls(self) -> None:
        trace = caller_trace()
        result = decode(encode(trace, CALLER), CALLER)
        assert result.frames == trace.frames
        assert result.errors == 0
        assert result.ended

    def test_two_identical_return_lines_stay_distinct(self) -> None:
        trace = Trace(
            frames=[
                frame("call", 1, "def f(n):", n="5"),
                frame("line", 2, "    if n < 2:", n="5"),
                frame("line", 4, "    if n > 4:", n="5"),
                frame("line", 5, "        return n", n="5"),
                frame("return", 5, "        return n", value="5"),
            ],
            function="f",
        )
        result = decode(encode(trace, TWO_RETURNS), TWO_RETURNS)
        assert [f.line for f in result.frames] == [1, 2, 4, 5, 5]
        assert result.frames == trace.frames

    def test_a_predicted_line_maps_to_the_next_successor_not_the_first_match(self) -> None:
        mapper = LineMapper(TWO_RETURNS)
        after_second_if = [
            frame("call", 1, "def f(n):", n="5"),
            frame("line", 4, "    if n > 4:", n="5"),
        ]
        after_first_if = [
            frame("call", 1, "def f(n):", n="1"),
            frame("line", 2, "    if n < 2:", n="1"),
        ]
        assert mapper.place("line", "        return n", after_second_if) == 5
        assert mapper.place("line", "        return n", after_first_if) == 3
        assert (
            mapper.place(
                "return",
                "        return n",
                [*after_second_if, frame("line", 5, "        return n", n="5")],
            )
            == 5
        )

    def test_a_loop_header_maps_back_to_the_top_of_the_loop(self) -> None:
        source = "def f(xs):\n    t = 0\n    for x in xs:\n        t += x\n    return t\n"
        mapper = LineMapper(source)
        so_far = [
            frame("call", 1, "def f(xs):", xs="[1]"),
            frame("line", 4, "        t += x", xs="[1]", t="0", x="1"),
        ]
        assert mapper.place("line", "    for x in xs:", so_far) == 3

    def test_the_start_marker_is_removed_with_removesuffix(self) -> None:
        # A def line that itself ends in characters of the marker keeps them.
        source = "def f(T):\n    return T\n"
        text = (
            encode_prompt(source, "f")
            + TOKENS["call_sep"]
            + '{"T": "1"}'
            + ACTION_SEP
            + "def f(T):"
            + START_MARKER
            + FRAME_SEP
        )
        result = decode(text, source)
        assert result.frames[0].source == "def f(T):"
        assert result.frames[0].line == 1

    @pytest.mark.parametrize(
        "bad",
        [
            "garbage with no tokens",
            TOKENS["line_sep"] + "{not json" + ACTION_SEP + "    return n",
            TOKENS["line_sep"] + '{"n": 3}' + ACTION_SEP + "    return n",
            TOKENS["line_sep"] + '["n"]' + ACTION_SEP + "    return n",
            TOKENS["line_sep"] + '{"n": "1"}' + "    return n",
            TOKENS["return_sep"] + ACTION_SEP + "    return n",
            TOKENS["return_sep"] + ACTION_SEP + "    return n" + TOKENS["arg_sep"] + "not json",
            TOKENS["line_sep"] + '{"n": "1"}' + ACTION_SEP + "    this line is not in the file",
            TOKENS["line_sep"] + '{"zz": ".."}' + ACTION_SEP + "    return n",
            "\x00\xff\ufffd" * 10,
        ],
    )
    def test_a_malformed_frame_is_counted_and_skipped_never_raised(self, bad: str) -> None:
        good = TOKENS["call_sep"] + '{"n": "1"}' + ACTION_SEP + "def f(n):" + FRAME_SEP
        result = decode(
            good
            + bad
            + FRAME_SEP
            + TOKENS["line_sep"]
            + '{"n": ".."}'
            + ACTION_SEP
            + "    if n < 2:"
            + FRAME_SEP,
            TWO_RETURNS,
        )
        assert result.errors == 1
        assert len(result.messages) == 1
        assert [f.line for f in result.frames] == [1, 2]

    def test_text_after_end_of_text_is_ignored(self) -> None:
        text = (
            TOKENS["call_sep"]
            + '{"n": "1"}'
            + ACTION_SEP
            + "def f(n):"
            + FRAME_SEP
            + END_OF_TEXT
            + "junk junk"
        )
        result = decode(text, TWO_RETURNS)
        assert result.ended and result.errors == 0 and len(result.frames) == 1

    def test_the_incremental_decoder_resolves_dots_frame_by_frame(self) -> None:
        decoder = TraceDecoder(TWO_RETURNS)
        decoder.feed(TOKENS["call_sep"] + '{"n": "5"}' + ACTION_SEP + "def f(n):")
        second = decoder.feed(TOKENS["line_sep"] + '{"n": ".."}' + ACTION_SEP + "    if n < 2:")
        assert second is not None and second.locals == {"n": "5"}

    def test_unicode_and_quotes_in_values_survive(self) -> None:
        trace = Trace(
            frames=[
                frame("call", 1, "def f(n):", n=repr('ünï "q" \\ 🎉\n')),
                frame("return", 3, "        return n", value=repr("é")),
            ],
            function="f",
        )
        assert decode(encode(trace, TWO_RETURNS), TWO_RETURNS).frames == trace.frames


# ----------------------------------------------------------------------------- properties

PROGRAM = """\
def helper(p, q):
    r = p + q
    s = [r] * 2
    return s

def main(a, b):
    total = 0
    for item in a:
        total += item
    pair = helper(total, b)
    if pair:
        raise ValueError(pair)
    return pair
"""
HELPER_LINES = [(2, "    r = p + q"), (3, "    s = [r] * 2"), (4, "    return s")]
MAIN_LINES = [
    (7, "    total = 0"),
    (8, "    for item in a:"),
    (9, "        total += item"),
    (10, "    pair = helper(total, b)"),
    (11, "    if pair:"),
    (12, "        raise ValueError(pair)"),
    (13, "    return pair"),
]

names = st.sampled_from(["a", "b", "total", "item", "pair", "x_1", "ñ"])
reprs = st.text(min_size=0, max_size=12).filter(lambda v: v != "..")
states = st.dictionaries(names, reprs, max_size=4)


@st.composite
def traces(draw: st.DrawFn) -> Trace:
    frames = [Frame("call", 6, "def main(a, b):", draw(states))]
    for _ in range(draw(st.integers(0, 8))):
        if draw(st.booleans()) and draw(st.booleans()):
            frames.append(Frame("call", 1, "def helper(p, q):", draw(states)))
            for number, text in draw(
                st.lists(st.sampled_from(HELPER_LINES), max_size=3, unique=True).map(sorted)
            ):
                frames.append(Frame("line", number, text, draw(states)))
            number, text = HELPER_LINES[-1]
            frames.append(Frame("return", number, text, value=draw(reprs)))
        else:
            number, text = draw(st.sampled_from(MAIN_LINES))
            frames.append(Frame("line", number, text, draw(states)))
    last_line = next((f for f in reversed(frames) if f.event == "line" and f.line >= 6), None)
    ending = draw(st.sampled_from(["return", "exception"]))
    if last_line is None:
        frames.append(Frame("line", 13, "    return pair", draw(states)))
        last_line = frames[-1]
    frames.append(Frame(ending, last_line.line, last_line.source, value=draw(reprs)))
    reason = EndReason.RETURNED if ending == "return" else EndReason.RAISED
    return Trace(frames=frames, reason=reason, function="main")


@given(traces())
@settings(max_examples=300, deadline=None)
def test_decode_of_encode_is_the_trace(trace: Trace) -> None:
    result = decode(encode(trace, PROGRAM), PROGRAM)
    assert result.errors == 0, result.messages
    assert result.frames == trace.frames
    assert result.ended


@given(st.text(max_size=200))
@settings(max_examples=300, deadline=None)
def test_decoding_arbitrary_text_never_raises(text: str) -> None:
    result = decode(text, PROGRAM)
    assert result.errors >= 0
    assert all(f.line >= 1 for f in result.frames)


@given(
    st.lists(
        st.sampled_from(
            [
                *TOKENS.values(),
                "{",
                "}",
                '"',
                "..",
                json.dumps({"a": ".."}),
                "    total = 0",
                "def main(a, b):",
            ]
        ),
        max_size=30,
    )
)
@settings(max_examples=300, deadline=None)
def test_decoding_shuffled_format_pieces_never_raises(pieces: list[str]) -> None:
    decode("".join(pieces), PROGRAM)


def test_a_return_after_an_exception_propagates_without_a_value() -> None:
    source = "def f(n):\n    return 1 / n\n"
    trace = Trace(
        frames=[
            frame("call", 1, "def f(n):", n="0"),
            frame("line", 2, "    return 1 / n", n="0"),
            frame(
                "exception", 2, "    return 1 / n", value="ZeroDivisionError('division by zero')"
            ),
            frame("return", 2, "    return 1 / n", value=None),
        ],
        reason=EndReason.RAISED,
        function="f",
    )
    text = encode(trace, source)
    assert '<|arg_sep|>"None"' in text
    assert decode(text, source).frames == trace.frames


def test_locals_and_values_are_written_as_cwms_reference_writes_them() -> None:
    """facebookresearch/cwm demos/cwmdbg.py writes ``json.dumps(local_vars)`` and
    ``json.dumps(arg)`` with the defaults: non-ASCII as ``\\u`` escapes, byte for byte."""
    from cwm_lsp.trace.locals_json import encode_locals, json_string

    state = {"s": repr("é 🎉"), "n": "1"}
    assert encode_locals(state, None) == json.dumps(state)
    assert "\\u00e9" in encode_locals(state, None)
    assert json_string(repr("ü")) == json.dumps(repr("ü")) == "\"'\\u00fc'\""
