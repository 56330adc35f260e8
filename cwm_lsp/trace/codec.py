"""CWM's trace format: Traces to frame text and model output back to Frames.

The format (facebookresearch/cwm, PROMPTING_GUIDE.md)::

    <|begin_of_text|><|trace_context_start|>$CONTEXT<|frame_sep|>
    <|call_sep|>$LOCALS<|action_sep|>$SOURCE<|frame_sep|>
    <|line_sep|>$LOCALS<|action_sep|>$SOURCE<|frame_sep|>
    <|return_sep|><|action_sep|>$SOURCE<|arg_sep|>$VALUE<|frame_sep|>
    <|exception_sep|><|action_sep|>$SOURCE<|arg_sep|>$VALUE<|frame_sep|>
    <|end_of_text|>

``$LOCALS`` is a JSON object of JSON strings holding reprs; a value that is
unchanged since the previous frame of the same scope is written ``".."``
(every local is written out in full again after a call or a return).
``$VALUE`` is a JSON string; a ``return`` right after an ``exception`` is
the exception propagating out and has no value (written ``"None"``, as
``sys.settrace`` gives it).  The entry point's ``def`` line carries
``  # << START_OF_TRACE`` in the context.

Decoding never raises: a frame that does not parse is counted in
``errors`` (with a message) and skipped.

This module holds frames <-> text (:func:`encode`, :func:`decode`,
:class:`TraceDecoder`); the tokens are in :mod:`cwm_lsp.trace.cwm_tokens`, the
``$LOCALS``/``$VALUE`` JSON and ``".."`` diffs in
:mod:`cwm_lsp.trace.locals_json`, and placing a source text at a line number
in :mod:`cwm_lsp.trace.line_mapping`.  Their public names are importable from
here too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import cast

from cwm_lsp.trace.cwm_tokens import (
    ACTION_SEP,
    ARG_SEP,
    BEGIN_OF_TEXT,
    CONTEXT_START,
    DEF_RE,
    END_OF_TEXT,
    EVENT_TOKENS,
    FRAME_SEP,
    START_MARKER,
    TOKEN_EVENTS,
    TOKEN_IDS,
    TOKENS,
    UNCHANGED,
)
from cwm_lsp.trace.line_mapping import LineMapper
from cwm_lsp.trace.locals_json import (
    FrameError,
    diff_base,
    encode_locals,
    json_string,
    parse_locals,
    parse_value,
)
from cwm_lsp.trace.types import Event, Frame, Trace

__all__ = [
    "ACTION_SEP",
    "ARG_SEP",
    "BEGIN_OF_TEXT",
    "CONTEXT_START",
    "END_OF_TEXT",
    "EVENT_TOKENS",
    "FRAME_SEP",
    "START_MARKER",
    "TOKENS",
    "TOKEN_EVENTS",
    "TOKEN_IDS",
    "UNCHANGED",
    "DecodeResult",
    "FrameError",
    "LineMapper",
    "TraceDecoder",
    "decode",
    "diff_base",
    "encode",
    "encode_frame",
    "encode_frames",
    "encode_locals",
    "encode_prompt",
    "is_finished",
    "mark_entry",
    "parse_locals",
    "parse_value",
    "split_frame",
]

# --------------------------------------------------------------------------- encoding


def mark_entry(source: str, function: str) -> str:
    """``source`` with the START_OF_TRACE marker on ``function``'s def line.

    ``function`` may be a plain name or ``Class.method``; the first def of
    that name (at any indentation for methods) is marked.
    """
    name = function.rsplit(".", 1)[-1]
    lines = source.splitlines(keepends=True)
    for i, line in enumerate(lines):
        match = DEF_RE.match(line)
        if match and match.group(2) == name:
            body = line.rstrip("\r\n")
            ending = line[len(body) :]
            lines[i] = body + START_MARKER + ending
            break
    return "".join(lines)


def encode_prompt(source: str, function: str) -> str:
    """The prompt that asks CWM to trace ``function`` in ``source``."""
    return BEGIN_OF_TEXT + CONTEXT_START + mark_entry(source, function) + FRAME_SEP


def encode_frame(frame: Frame, previous: Mapping[str, str] | None = None) -> str:
    """One frame, ending with ``<|frame_sep|>``; ``previous`` is its diff base."""
    source = frame.source.removesuffix(START_MARKER)
    head = EVENT_TOKENS[frame.event]
    if frame.event in ("call", "line"):
        return f"{head}{encode_locals(frame.locals, previous)}{ACTION_SEP}{source}{FRAME_SEP}"
    value = frame.value if frame.value is not None else "None"
    return f"{head}{ACTION_SEP}{source}{ARG_SEP}{json_string(value)}{FRAME_SEP}"


def encode_frames(frames: Sequence[Frame]) -> str:
    """Frames as CWM frame text, with ``".."`` diffs."""
    return "".join(encode_frame(f, diff_base(frames, i)) for i, f in enumerate(frames))


def is_finished(trace: Trace) -> bool:
    return trace.reason.value in ("returned", "raised")


def encode(trace: Trace, source: str) -> str:
    """The whole trace: prompt, frames, and ``<|end_of_text|>`` if it finished."""
    text = encode_prompt(source, trace.function) + encode_frames(trace.frames)
    return text + END_OF_TEXT if is_finished(trace) else text


# --------------------------------------------------------------------------- decoding


@dataclass
class DecodeResult:
    frames: list[Frame] = field(default_factory=list)
    errors: int = 0
    messages: list[str] = field(default_factory=list)
    ended: bool = False


def split_frame(text: str) -> tuple[Event, str, str, str | None]:
    """(event, locals text, source, value text) of one frame's text (without frame_sep)."""
    token = next((t for t in TOKEN_EVENTS if text.startswith(t)), None)
    if token is None:
        raise FrameError(f"frame does not start with an event token: {text[:40]!r}")
    event = TOKEN_EVENTS[token]
    body = text[len(token) :]
    if ACTION_SEP not in body:
        raise FrameError("frame has no action separator")
    locals_text, _, rest = body.partition(ACTION_SEP)
    value_text: str | None = None
    if ARG_SEP in rest:
        source, _, value_text = rest.partition(ARG_SEP)
    else:
        source = rest
    if event in ("return", "exception"):
        if value_text is None:
            raise FrameError(f"{event} frame has no value")
        if locals_text.strip():
            raise FrameError(f"{event} frame carries locals")
    elif value_text is not None:
        raise FrameError(f"{event} frame carries a value")
    return event, locals_text, source.rstrip("\r\n").removesuffix(START_MARKER), value_text


class TraceDecoder:
    """Turns frame texts into Frames one at a time, resolving ``".."`` and placing lines."""

    def __init__(self, source: str) -> None:
        self.mapper = LineMapper(source)
        self.frames: list[Frame] = []
        self.errors = 0
        self.messages: list[str] = []
        self.ended = False

    def _error(self, message: str) -> None:
        self.errors += 1
        self.messages.append(message)

    def resolve(self, event: Event, raw: Mapping[str, str]) -> dict[str, str]:
        """Fill ``".."`` values from the diff base; an unresolvable one is an error."""
        if event == "call":
            base: Mapping[str, str] | None = None
        else:
            probe = [*self.frames, Frame(event=event, line=0, source="")]
            base = diff_base(probe, len(probe) - 1)
        resolved: dict[str, str] = {}
        for name, value in raw.items():
            if value == UNCHANGED:
                if base is None or name not in base:
                    raise FrameError(f"{name!r} is unchanged but has no earlier value")
                resolved[name] = base[name]
            else:
                resolved[name] = value
        return resolved

    def parse(self, text: str) -> Frame:
        """Parse one frame's text without recording it; raises FrameError."""
        text = text.removesuffix(FRAME_SEP)
        event, locals_text, source, value_text = split_frame(text)
        if event in ("call", "line"):
            state = self.resolve(event, parse_locals(locals_text))
            value = None
        else:
            state = {}
            value = parse_value(cast(str, value_text))
            if event == "return" and self.frames and self.frames[-1].event == "exception":
                # The exception propagates out: sys.settrace passes None, the
                # frame returns nothing.
                value = None
        line = self.mapper.place(event, source, self.frames)
        if line == 0:
            raise FrameError(f"source line not in the file: {source.strip()[:60]!r}")
        return Frame(event=event, line=line, source=source, locals=state, value=value)

    def feed(self, text: str) -> Frame | None:
        """Decode and record one frame; None (and a counted error) if it does not parse."""
        if self.ended:
            return None
        stripped = text.strip()
        if stripped.startswith(END_OF_TEXT):
            self.ended = True
            return None
        try:
            frame = self.parse(text)
        except FrameError as exc:
            self._error(str(exc))
            return None
        self.frames.append(frame)
        return frame


def decode(text: str, source: str) -> DecodeResult:
    """Decode CWM trace text (with or without the prompt) into Frames."""
    decoder = TraceDecoder(source)
    body = text
    if CONTEXT_START in body:
        # Skip the context: everything up to the frame_sep that ends it.
        _, _, after = body.partition(CONTEXT_START)
        _, sep, body = after.partition(FRAME_SEP)
        if not sep:
            return DecodeResult(errors=1, messages=["no frame_sep after the context"])
    for chunk in body.split(FRAME_SEP):
        if not chunk.strip():
            continue
        if END_OF_TEXT in chunk:
            before, _, _ = chunk.partition(END_OF_TEXT)
            if before.strip():
                decoder.feed(before)
            decoder.ended = True
            break
        decoder.feed(chunk)
    return DecodeResult(
        frames=decoder.frames,
        errors=decoder.errors,
        messages=decoder.messages,
        ended=decoder.ended,
    )
