"""The reference model of a document's text under LSP changes (LSP 3.17, as an editor keeps it).

Written from the specification, independently of the server: lines end at
``\\n``, ``\\r\\n`` or ``\\r`` (and nothing else: a form feed or U+2028 is
text); ``character`` counts UTF-16 code units; a character past the end of
its line means the end of the line, a line past the last means the end of
the document.  The fuzzer never puts an edit's end inside a surrogate pair
(the specification leaves that undefined; requests get such positions).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_BREAK = re.compile(r"\r\n|\n|\r")


@dataclass(frozen=True)
class Line:
    start: int  # index in the text of the line's first character
    end: int  # index just past its last character (before the line break)


def lines(text: str) -> list[Line]:
    found: list[Line] = []
    start = 0
    for match in _BREAK.finditer(text):
        found.append(Line(start, match.start()))
        start = match.end()
    found.append(Line(start, len(text)))
    return found


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def inside_surrogate_pair(text: str, line: int, character: int) -> bool:
    """Whether this position splits an astral character in two."""
    all_lines = lines(text)
    if line >= len(all_lines):
        return False
    content = text[all_lines[line].start : all_lines[line].end]
    units = 0
    for char in content:
        width = 2 if ord(char) > 0xFFFF else 1
        if units < character < units + width:
            return True
        units += width
        if units >= character:
            return False
    return False


def offset(text: str, line: int, character: int) -> int:
    """The index in ``text`` of an LSP position (clamped as the specification says)."""
    all_lines = lines(text)
    if line >= len(all_lines):
        return len(text)
    here = all_lines[line]
    units = 0
    for index in range(here.start, here.end):
        if units >= character:
            return index
        units += 2 if ord(text[index]) > 0xFFFF else 1
    return here.end


def apply(text: str, start: tuple[int, int], end: tuple[int, int], new: str) -> str:
    a = offset(text, *start)
    b = offset(text, *end)
    return text[:a] + new + text[max(a, b) :]
