"""The native CWM format: prompts from token ids, frames parsed by the trace codec.

As PROMPTING_GUIDE.md and cwmdbg do::

    <|begin_of_text|><|trace_context_start|>SOURCE (entry marked)<|frame_sep|>
    <|call_sep|>{"x": "3"}<|action_sep|>def f(x):<|frame_sep|>
    <|line_sep|>{"x": ".."}<|action_sep|>    y = x + 1<|frame_sep|>
    ...

Special tokens are looked up by their text in the model's vocabulary (the
real CWM has them at 128100-128107; a test model may hold them elsewhere).
Given inputs, the entry call frame is forced so the model continues from
them; "step over" forces ``<|return_sep|>`` after a call frame.  The first
token of a frame is restricted to an event token or the end of the trace;
the rest is the model's, and a frame that does not parse is a counted error,
except a return's value where the source says it is ``None`` (a bare
``return``, the end of the body, ``__init__``:
:meth:`~cwm_lsp.analysis.flow.LineFlow.returns_none`): once the model has
written the line, ``"None"`` is forced.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace

from cwm_lsp.analysis.source_index import FunctionInfo, SourceIndex
from cwm_lsp.engine import Engine, ModelLoadError, NoValidToken, ShouldStop, TokenRecord, byte_span
from cwm_lsp.engine.decoder import Decoder
from cwm_lsp.engine.remote_hints import guided
from cwm_lsp.formats.base import Entry, FrameFormat, Generated
from cwm_lsp.formats.remote_grammar import native_frame_grammar
from cwm_lsp.trace import VALUE_KEY, Event, Frame
from cwm_lsp.trace.codec import (
    ACTION_SEP,
    ARG_SEP,
    BEGIN_OF_TEXT,
    CONTEXT_START,
    END_OF_TEXT,
    EVENT_TOKENS,
    FRAME_SEP,
    FrameError,
    TraceDecoder,
    diff_base,
    encode_frame,
    mark_entry,
)
from cwm_lsp.trace.locals_json import json_string

#: Token cap for one frame (a model that never closes a frame).
FRAME_TOKEN_CAP = 384


class NativeTokens:
    """The ids of CWM's special tokens in a model's vocabulary."""

    def __init__(self, engine: Engine) -> None:
        def need(text: str) -> int:
            token = engine.token_id(text)
            if token is None:
                raise ModelLoadError(engine.name, f"vocabulary has no single token {text}")
            return token

        self.events: dict[Event, int] = {e: need(t) for e, t in EVENT_TOKENS.items()}
        self.frame_sep = need(FRAME_SEP)
        self.action_sep = need(ACTION_SEP)
        self.arg_sep = need(ARG_SEP)
        self.context_start = need(CONTEXT_START)
        begin = engine.token_id(BEGIN_OF_TEXT)
        self.begin = begin if begin is not None else engine.bos_token
        end = engine.token_id(END_OF_TEXT)
        self.end = end if end is not None else engine.eos_token
        self.event_of = {token: event for event, token in self.events.items()}


class NativeFormat(FrameFormat):
    name = "cwm"

    def __init__(self, engine: Engine, source: str, function: str) -> None:
        super().__init__(engine, source, function)
        self.ids = NativeTokens(engine)
        self.lines = source.splitlines()
        self.codec = TraceDecoder(source)
        try:
            self.index: SourceIndex | None = SourceIndex(source)
        except SyntaxError:
            self.index = None

    def prompt(self, dec: Decoder) -> None:
        dec.push([self.ids.begin, self.ids.context_start])
        dec.push_text(mark_entry(self.source, self.function))
        dec.push([self.ids.frame_sep])

    def _encode(self, text: str) -> list[int]:
        return self.engine.tokenize(text, special=True)

    def entry(self, dec: Decoder, args: str | None, should_stop: ShouldStop | None) -> Entry:
        if args is None:
            generated = self.generate(dec, [], "call", should_stop)
            if generated.frame is None:
                return Entry(None, "", True, generated.error or "the model gave no call frame")
            frame = generated.frame
            return Entry(frame, ", ".join(frame.locals.values()), True)
        state = self.bind_inputs(args, False)
        if isinstance(state, Entry):
            return state
        line = self._entry_line()
        if line == 0:
            return Entry(None, args, False, f"no function {self.function!r} in the file")
        source = self.lines[line - 1]
        frame = Frame(event="call", line=line, source=source, locals=state)
        dec.push(self._encode(encode_frame(frame, None)))
        return Entry(frame, args, False)

    def _entry_line(self) -> int:
        if self.index is not None:
            try:
                return self.index.find(self.function).call_line
            except LookupError:
                return 0
        name = self.function.rsplit(".", 1)[-1]
        pattern = re.compile(rf"^\s*(?:async\s+)?def\s+{re.escape(name)}\s*\(")
        for number, text in enumerate(self.lines, start=1):
            if pattern.match(text):
                return number
        return 0

    def frame_tokens(self, frames: list[Frame], index: int) -> list[int]:
        return self._encode(encode_frame(frames[index], diff_base(frames, index)))

    def generate(
        self,
        dec: Decoder,
        frames: list[Frame],
        force: Event | None,
        should_stop: ShouldStop | None,
    ) -> Generated:
        if force is None and frames and frames[-1].event == "call":
            force = "line"  # a call frame is followed by the callee's first line
        # A remote engine asks for the whole frame in one request: the event token (or the
        # end), then up to <|frame_sep|> by id, as cwmdbg does.
        events = None if force is not None else list(self.ids.event_of)
        grammar = native_frame_grammar(events, {self.ids.end}, self.ids.frame_sep)
        with guided(
            self.engine,
            lambda: grammar,
            max_tokens=FRAME_TOKEN_CAP + 1,
            should_stop=should_stop,
            stop_tokens=frozenset({self.ids.frame_sep, self.ids.end}),
        ):
            return self._generate(dec, frames, force, should_stop)

    def _generate(
        self,
        dec: Decoder,
        frames: list[Frame],
        force: Event | None,
        should_stop: ShouldStop | None,
    ) -> Generated:
        start = len(dec.tokens)
        if force is not None:
            dec.push([self.ids.events[force]])
        else:
            allowed = {*self.ids.event_of, self.ids.end}
            try:
                first = self.gen(dec, lambda t: t in allowed or self.engine.is_eog(t), should_stop)
            except NoValidToken as exc:
                return Generated(error=str(exc))
            if first not in self.ids.event_of:
                return Generated(ended=True)
        for _ in range(FRAME_TOKEN_CAP):
            token = self.gen(dec, None, should_stop)
            if token == self.ids.frame_sep:
                break
            if self.engine.is_eog(token):
                return Generated(error="the trace ended inside a frame")
            if token == self.ids.arg_sep and dec.tokens[start] == self.ids.events["return"]:
                known = self.known_return(
                    frames, self.engine.text(dec.tokens[start:], special=True)
                )
                if known is not None:
                    dec.push(self._encode(json_string(known) + FRAME_SEP))
                    break
        else:
            dec.push([self.ids.frame_sep])
            return Generated(error=f"frame longer than {FRAME_TOKEN_CAP} tokens")
        text = self.engine.text(dec.tokens[start:], special=True)
        self.codec.frames = list(frames)
        try:
            frame = self.codec.parse(text)
        except FrameError as exc:
            return Generated(error=str(exc))
        record = self.record(dec, start, special=True)
        return Generated(frame=_with_confidence(frame, text, record))

    def known_return(self, frames: list[Frame], head: str) -> str | None:
        """The value of the return frame ``head`` begins (its text up to ``<|arg_sep|>``)
        when the source says it: ``"None"`` from ``__init__``, a bare ``return`` or the
        end of the body; None when the model decides (also for an exception propagating
        out of the frame)."""
        if self.index is None or not frames or frames[-1].event == "exception":
            return None
        self.codec.frames = list(frames)
        try:
            line = self.codec.parse(head + json_string("None")).line
        except FrameError:
            return None
        scope = _running_function(self.index, frames)
        if scope is None:
            return None
        flow = self.index.flow(scope)
        if scope.name == "__init__" or (flow is not None and flow.returns_none(line)):
            return "None"
        return None


def _running_function(index: SourceIndex, frames: list[Frame]) -> FunctionInfo | None:
    """The function the frame after ``frames`` runs in: the one the last open call entered."""
    depth = 0
    for frame in reversed(frames):
        if frame.event == "return":
            depth += 1
        elif frame.event == "call":
            if depth == 0:
                return index.by_call_line.get(frame.line)
            depth -= 1
    return None


def _with_confidence(frame: Frame, text: str, record: TokenRecord) -> Frame:
    confidence: dict[str, float] = {}
    if frame.event in ("call", "line"):
        head, _, _ = text.partition(ACTION_SEP)
        decoder = json.JSONDecoder()
        for name in frame.locals:
            match = re.search(re.escape(json.dumps(name)) + r"\s*:\s*", head)
            if match is None:
                continue
            try:
                raw, end = decoder.raw_decode(head, match.end())
            except ValueError:
                continue
            if raw == "..":
                continue
            confidence[name] = record.confidence(*byte_span(text, match.end(), end))
    else:
        at = text.rfind(ARG_SEP)
        if at >= 0:
            start = at + len(ARG_SEP)
            end = text.rfind(FRAME_SEP)
            confidence[VALUE_KEY] = record.confidence(
                *byte_span(text, start, end if end > start else len(text))
            )
    if not confidence:
        return frame
    return replace(frame, confidence=confidence)
