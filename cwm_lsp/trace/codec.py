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
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import cast

from cwm_lsp.trace.types import Event, Frame, Trace, frame_depths

START_MARKER = "  # << START_OF_TRACE"

TOKEN_IDS: dict[str, int] = {
    "frame_sep": 128100,
    "action_sep": 128101,
    "return_sep": 128102,
    "call_sep": 128103,
    "line_sep": 128104,
    "exception_sep": 128105,
    "arg_sep": 128106,
    "trace_context_start": 128107,
}
TOKENS: dict[str, str] = {name: f"<|{name}|>" for name in TOKEN_IDS}
BEGIN_OF_TEXT = "<|begin_of_text|>"
END_OF_TEXT = "<|end_of_text|>"

FRAME_SEP = TOKENS["frame_sep"]
ACTION_SEP = TOKENS["action_sep"]
ARG_SEP = TOKENS["arg_sep"]
CONTEXT_START = TOKENS["trace_context_start"]

EVENT_TOKENS: dict[Event, str] = {
    "call": TOKENS["call_sep"],
    "line": TOKENS["line_sep"],
    "return": TOKENS["return_sep"],
    "exception": TOKENS["exception_sep"],
}
TOKEN_EVENTS: dict[str, Event] = {tok: ev for ev, tok in EVENT_TOKENS.items()}

UNCHANGED = ".."

_DEF_RE = re.compile(r"^(\s*)(?:async\s+)?def\s+([A-Za-z_][A-Za-z0-9_]*)\s*\(")


# --------------------------------------------------------------------------- encoding


def mark_entry(source: str, function: str) -> str:
    """``source`` with the START_OF_TRACE marker on ``function``'s def line.

    ``function`` may be a plain name or ``Class.method``; the first def of
    that name (at any indentation for methods) is marked.
    """
    name = function.rsplit(".", 1)[-1]
    lines = source.splitlines(keepends=True)
    for i, line in enumerate(lines):
        match = _DEF_RE.match(line)
        if match and match.group(2) == name:
            body = line.rstrip("\r\n")
            ending = line[len(body) :]
            lines[i] = body + START_MARKER + ending
            break
    return "".join(lines)


def encode_prompt(source: str, function: str) -> str:
    """The prompt that asks CWM to trace ``function`` in ``source``."""
    return BEGIN_OF_TEXT + CONTEXT_START + mark_entry(source, function) + FRAME_SEP


def _json(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def encode_locals(state: Mapping[str, str], previous: Mapping[str, str] | None) -> str:
    """The ``$LOCALS`` JSON object, with ``".."`` for values equal to ``previous``."""
    out: dict[str, str] = {}
    for name, value in state.items():
        if previous is not None and previous.get(name) == value:
            out[name] = UNCHANGED
        else:
            out[name] = value
    return json.dumps(out, ensure_ascii=False)


def diff_base(frames: Sequence[Frame], index: int) -> Mapping[str, str] | None:
    """The state a frame's ``".."`` values refer to, or None after a change of scope.

    Mirrors how the values are resolved: walk back over frames without
    locals (exception frames) to the last frame of the same scope; a call or
    return frame on the way ends the walk (a call frame itself still counts).
    """
    if frames[index].event == "call":
        return None
    j = index - 1
    while j >= 0:
        earlier = frames[j]
        if earlier.event == "return":
            return None
        if earlier.event in ("call", "line"):
            return earlier.locals
        j -= 1
    return None


def encode_frame(frame: Frame, previous: Mapping[str, str] | None = None) -> str:
    """One frame, ending with ``<|frame_sep|>``; ``previous`` is its diff base."""
    source = frame.source.removesuffix(START_MARKER)
    head = EVENT_TOKENS[frame.event]
    if frame.event in ("call", "line"):
        return f"{head}{encode_locals(frame.locals, previous)}{ACTION_SEP}{source}{FRAME_SEP}"
    value = frame.value if frame.value is not None else "None"
    return f"{head}{ACTION_SEP}{source}{ARG_SEP}{_json(value)}{FRAME_SEP}"


def encode_frames(frames: Sequence[Frame]) -> str:
    """Frames as CWM frame text, with ``".."`` diffs."""
    return "".join(encode_frame(f, diff_base(frames, i)) for i, f in enumerate(frames))


def is_finished(trace: Trace) -> bool:
    return trace.reason.value in ("returned", "raised")


def encode(trace: Trace, source: str) -> str:
    """The whole trace: prompt, frames, and ``<|end_of_text|>`` if it finished."""
    text = encode_prompt(source, trace.function) + encode_frames(trace.frames)
    return text + END_OF_TEXT if is_finished(trace) else text


# --------------------------------------------------------------------------- line mapping


def _indent(line: str) -> int:
    expanded = line.expandtabs()
    return len(expanded) - len(expanded.lstrip())


def _normalize(line: str) -> str:
    return line.rstrip("\r\n").removesuffix(START_MARKER).rstrip()


class LineMapper:
    """Places a predicted source line at a line number by its position in the execution.

    Among the lines with that text, the one chosen is the next plausible
    successor of the current line in the current function (wrapping round
    for loops), so two identical ``return n`` lines stay distinct.
    """

    def __init__(self, source: str) -> None:
        self.lines = [_normalize(line) for line in source.splitlines()]
        self._by_text: dict[str, list[int]] = {}
        self._by_stripped: dict[str, list[int]] = {}
        for number, text in enumerate(self.lines, start=1):
            if text.strip():
                self._by_text.setdefault(text, []).append(number)
                self._by_stripped.setdefault(text.strip(), []).append(number)
        self._scopes = self._function_scopes()

    def _function_scopes(self) -> list[tuple[int, int, str]]:
        """(def line, last line, name) of every def, found by indentation."""
        scopes: list[tuple[int, int, str]] = []
        for number, text in enumerate(self.lines, start=1):
            match = _DEF_RE.match(text)
            if not match:
                continue
            indent = _indent(text)
            end = number
            for later in range(number + 1, len(self.lines) + 1):
                body = self.lines[later - 1]
                if not body.strip() or body.lstrip().startswith("#"):
                    continue
                if _indent(body) <= indent:
                    break
                end = later
            scopes.append((number, end, match.group(2)))
        return scopes

    def scope_of(self, line: int) -> tuple[int, int, str] | None:
        """The innermost function containing ``line``."""
        best: tuple[int, int, str] | None = None
        for scope in self._scopes:
            if scope[0] <= line <= scope[1] and (best is None or scope[0] >= best[0]):
                best = scope
        return best

    def candidates(self, text: str) -> list[int]:
        key = _normalize(text)
        found = self._by_text.get(key)
        if found:
            return found
        return self._by_stripped.get(key.strip(), [])

    def place(self, event: Event, text: str, frames: Sequence[Frame]) -> int:
        """The line number for a frame with ``event`` and source ``text``, or 0."""
        found = self.candidates(text)
        if not found:
            return 0
        if len(found) == 1:
            return found[0]
        current = _current_line(frames)
        if event == "call" or current is None:
            return _first_after(found, current or 0)
        scope = self.scope_of(current)
        if scope is not None:
            inside = [n for n in found if scope[0] <= n <= scope[1]]
            found = inside or found
        if event in ("return", "exception") and current in found:
            return current
        if scope is not None:
            # The next line after the current one, wrapping to the top of the
            # function (a loop going round); the current line itself comes last.
            span = scope[1] - scope[0] + 1
            return min(found, key=lambda n: (n - current - 1) % span if span > 0 else n)
        return _first_after(found, current)


def _first_after(found: list[int], current: int) -> int:
    later = [n for n in found if n > current]
    return later[0] if later else found[0]


def _current_line(frames: Sequence[Frame]) -> int | None:
    """The last line executed in the scope the next frame belongs to."""
    if not frames:
        return None
    depths = frame_depths(frames)
    last = frames[-1]
    depth = depths[-1]
    if last.event == "return":
        # Back in the caller: its last line frame.
        depth -= 1
        for frame, d in zip(reversed(frames), reversed(depths), strict=True):
            if d == depth and frame.event in ("call", "line"):
                return frame.line or None
        return None
    return last.line or None


# --------------------------------------------------------------------------- decoding


class FrameError(ValueError):
    """A frame's text does not parse."""


@dataclass
class DecodeResult:
    frames: list[Frame] = field(default_factory=list)
    errors: int = 0
    messages: list[str] = field(default_factory=list)
    ended: bool = False


def parse_locals(text: str) -> dict[str, str]:
    """A ``$LOCALS`` object; raises FrameError when it is not an object of strings."""
    text = text.strip()
    if not text:
        return {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FrameError(f"locals are not JSON: {exc.msg}") from None
    if not isinstance(data, dict):
        raise FrameError("locals are not a JSON object")
    out: dict[str, str] = {}
    for name, value in data.items():
        if not isinstance(value, str):
            raise FrameError(f"local {name!r} is not a JSON string")
        out[name] = value
    return out


def parse_value(text: str) -> str:
    text = text.strip()
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        raise FrameError("value is not a JSON string") from None
    if not isinstance(value, str):
        raise FrameError("value is not a JSON string")
    return value


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
