"""The generic prompt format: trace frames as plain text lines, for any model.

One frame per line::

    call {a=7, b=0} 20: def safe_div(a, b):
    line {} 21:     try:
    line {q=None} 25:     return q
    return 25:     return q => None
    exception 22:         q = a // b => ZeroDivisionError('integer division or modulo by zero')

``{...}`` holds the locals *before* the line runs, only those that changed
since the previous frame of the same scope (all of them on a call frame);
values are reprs.  The number is the real line number in the file, shown in
a numbered listing above the trace, so no line is ever looked up by text.  A
return that follows an exception in the same frame (the exception
propagates) has no ``=> value``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from cwm_lsp.trace import Frame, frame_depths, scope_base

_CALL_LINE_RE = re.compile(r"^(call|line) \{(.*)\} (\d+): (.*)$", re.S)
_VALUE_RE = re.compile(r"^(return|exception) (\d+): (.*)$", re.S)
VALUE_ARROW = " => "

HEADER = (
    "Execution traces of Python functions, one event per line:\n"
    "EVENT {locals that changed, as they are just before the line runs} LINE: SOURCE\n"
    "and for a return or an exception: EVENT LINE: SOURCE => VALUE\n"
)


class FrameTextError(ValueError):
    """A generic frame line does not parse."""


@dataclass
class ParsedFrame:
    event: str
    line: int
    source: str
    delta: dict[str, str]
    value: str | None


def delta(state: Mapping[str, str], base: Mapping[str, str] | None) -> dict[str, str]:
    if base is None:
        return dict(state)
    return {k: v for k, v in state.items() if base.get(k) != v}


def render_locals(values: Mapping[str, str]) -> str:
    return "{" + ", ".join(f"{k}={v}" for k, v in values.items()) + "}"


def render_frame(frame: Frame, base: Mapping[str, str] | None, *, propagating: bool = False) -> str:
    """One frame as a text line (ending with a newline)."""
    source = frame.source.rstrip("\r\n")
    if frame.event in ("call", "line"):
        return f"{frame.event} {render_locals(delta(frame.locals, base))} {frame.line}: {source}\n"
    if propagating and frame.event == "return":
        return f"return {frame.line}: {source}\n"
    value = frame.value if frame.value is not None else "None"
    return f"{frame.event} {frame.line}: {source}{VALUE_ARROW}{_one_line(value)}\n"


def propagates(frames: Sequence[Frame], index: int) -> bool:
    """Whether the return frame at ``index`` follows an exception in the same frame."""
    depths = frame_depths(frames)
    for j in range(index - 1, -1, -1):
        if depths[j] == depths[index]:
            return frames[j].event == "exception"
        if depths[j] < depths[index]:
            return False
    return False


def render_frames(frames: Sequence[Frame]) -> str:
    out = []
    for i, frame in enumerate(frames):
        out.append(render_frame(frame, scope_base(frames, i), propagating=propagates(frames, i)))
    return "".join(out)


def _one_line(text: str) -> str:
    return text.replace("\r", "\\r").replace("\n", "\\n")


def split_locals(text: str) -> dict[str, str]:
    """``a=1, b=[2, 3]`` -> {"a": "1", "b": "[2, 3]"}, commas inside values respected."""
    out: dict[str, str] = {}
    if not text.strip():
        return out
    parts: list[str] = []
    depth = 0
    quote = ""
    escape = False
    start = 0
    for i, ch in enumerate(text):
        if quote:
            if escape:
                escape = False
            elif ch == "\\":
                escape = True
            elif ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth < 0:
                raise FrameTextError("unbalanced brackets in the locals")
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    if quote or depth:
        raise FrameTextError("unterminated value in the locals")
    parts.append(text[start:])
    for part in parts:
        name, eq, value = part.strip().partition("=")
        name = name.strip()
        dotted = all(part.isidentifier() for part in name.split("."))  # self.items
        if not eq or not dotted or not value.strip():
            raise FrameTextError(f"not a name=value pair: {part.strip()[:40]!r}")
        if name in out:
            raise FrameTextError(f"local {name!r} given twice")
        out[name] = value.strip()
    return out


def parse_frame(text: str, source_of: Callable[[int], str] | None = None) -> ParsedFrame:
    """Parse one frame line; raises FrameTextError.

    ``source_of(n)`` (the text of line n) lets a return value be split off
    exactly even when the source line itself contains ``=>``.
    """
    line = text.rstrip("\n")
    if "\n" in line:
        raise FrameTextError("frame spans several lines")
    match = _CALL_LINE_RE.match(line)
    if match:
        event, locals_text, number, source = match.groups()
        return ParsedFrame(event, int(number), source, split_locals(locals_text), None)
    match = _VALUE_RE.match(line)
    if match:
        event, number, rest = match.groups()
        expected = source_of(int(number)).rstrip() if source_of else None
        if expected is not None and rest.startswith(expected):
            source = expected
            tail = rest[len(expected) :]
            arrow = VALUE_ARROW if tail.startswith(VALUE_ARROW) else ""
            value = tail[len(VALUE_ARROW) :] if arrow else tail
            if not arrow and tail.strip():
                raise FrameTextError(f"unexpected text after the source: {tail[:40]!r}")
        else:
            source, arrow, value = rest.partition(VALUE_ARROW)
        if arrow and not value.strip():
            raise FrameTextError(f"{event} frame has an empty value")
        return ParsedFrame(event, int(number), source, {}, value.strip() if arrow else None)
    raise FrameTextError(f"not a frame: {line[:60]!r}")


def numbered_listing(lines: Sequence[str], keep: set[int] | None = None) -> str:
    """The file with line numbers (``N: text``); lines outside ``keep`` elided."""
    out: list[str] = []
    elided = False
    for number, text in enumerate(lines, start=1):
        if keep is not None and number not in keep:
            if not elided:
                out.append("...\n")
                elided = True
            continue
        elided = False
        out.append(f"{number}: {text}\n")
    return "".join(out)
