"""Positions: character offsets <-> LSP (line, UTF-16 column) <-> UTF-8 bytes.

Line breaks are those of LSP (and of Python's tokenizer): ``"\\r\\n"``,
``"\\n"`` and a lone ``"\\r"``.  Tree-sitter works on UTF-8 bytes; lone
surrogates (text decoded with ``surrogateescape``) are encoded as ``"?"``, one
byte for one character, so byte and character counts stay in step.
"""

from __future__ import annotations

import re
from bisect import bisect_right

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def utf16_len(s: str) -> int:
    """Length of ``s`` in UTF-16 code units (what LSP columns count)."""
    if s.isascii():
        return len(s)
    return len(s.encode("utf-16-le", "surrogatepass")) // 2


def encode_utf8(text: str) -> bytes:
    """The bytes tree-sitter parses: UTF-8, a lone surrogate becomes ``b"?"``."""
    return text.encode("utf-8", "replace")


class LineIndex:
    """Maps offsets in one text to lines and columns, and bytes to offsets."""

    def __init__(self, text: str) -> None:
        self.text = text
        starts = [0]
        ends: list[int] = []
        for match in _LINE_BREAK.finditer(text):
            ends.append(match.start())
            starts.append(match.end())
        ends.append(len(text))
        #: Offset of the first character of each line.
        self.starts = starts
        #: Offset just past each line's content (before its line break).
        self.ends = ends
        self._ascii = text.isascii()
        self._byte_starts: list[int] | None = None
        self._data: bytes | None = None

    @property
    def line_count(self) -> int:
        return len(self.starts)

    def line_text(self, line0: int) -> str:
        return self.text[self.starts[line0] : self.ends[line0]]

    def line_of(self, offset: int) -> int:
        """0-based line holding character ``offset`` (clamped to the text)."""
        offset = min(max(offset, 0), len(self.text))
        return bisect_right(self.starts, offset) - 1

    def to_lsp(self, offset: int) -> tuple[int, int]:
        """Character offset -> (0-based line, UTF-16 column).

        An offset inside a line break maps to the end of that line.
        """
        offset = min(max(offset, 0), len(self.text))
        line0 = self.line_of(offset)
        start = self.starts[line0]
        end = min(offset, self.ends[line0])
        return line0, utf16_len(self.text[start:end])

    def from_lsp(self, line: int, character: int) -> int:
        """(0-based line, UTF-16 column) -> character offset.

        Out-of-range positions are clamped as LSP asks: a column past the end
        of a line means the end of the line; a line past the end means the end
        of the text; a column inside a surrogate pair means that character.
        """
        if line < 0:
            return 0
        if line >= self.line_count:
            return len(self.text)
        start, end = self.starts[line], self.ends[line]
        character = max(character, 0)
        if self._ascii:
            return start + min(character, end - start)
        units = 0
        for offset in range(start, end):
            if units >= character:
                return offset
            units += 2 if ord(self.text[offset]) > 0xFFFF else 1
            if units > character:
                return offset
        return end

    # -- bytes -------------------------------------------------------------

    def _bytes_layout(self) -> tuple[list[int], bytes]:
        if self._byte_starts is None or self._data is None:
            data = encode_utf8(self.text)
            byte_starts = [0] * len(self.starts)
            position = 0
            previous = 0
            for i, start in enumerate(self.starts):
                if i:
                    position += len(encode_utf8(self.text[previous:start]))
                byte_starts[i] = position
                previous = start
            self._byte_starts, self._data = byte_starts, data
        return self._byte_starts, self._data

    @property
    def data(self) -> bytes:
        """The text as tree-sitter parses it (see :func:`encode_utf8`)."""
        if self._ascii:
            if self._data is None:
                self._data = self.text.encode("ascii")
            return self._data
        return self._bytes_layout()[1]

    def byte_to_char(self, byte: int) -> int:
        """UTF-8 byte offset (as tree-sitter reports) -> character offset."""
        if self._ascii:
            return min(max(byte, 0), len(self.text))
        byte_starts, data = self._bytes_layout()
        byte = min(max(byte, 0), len(data))
        line0 = bisect_right(byte_starts, byte) - 1
        head = data[byte_starts[line0] : byte].decode("utf-8", "ignore")
        return self.starts[line0] + len(head)

    def char_to_byte(self, offset: int) -> int:
        """Character offset -> UTF-8 byte offset."""
        offset = min(max(offset, 0), len(self.text))
        if self._ascii:
            return offset
        byte_starts, _ = self._bytes_layout()
        line0 = self.line_of(offset)
        return byte_starts[line0] + len(encode_utf8(self.text[self.starts[line0] : offset]))
