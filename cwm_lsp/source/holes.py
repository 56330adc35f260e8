"""``??`` holes: places the user asks the model to fill.

``??`` is not Python, so tree-sitter sees an ERROR there; holes are found in
the text, and tree-sitter only says which ``??`` sit in strings or comments.
"""

from __future__ import annotations

import re

from tree_sitter import Node

from cwm_lsp.source.positions import LineIndex
from cwm_lsp.source.types import Hole

_HOLE = re.compile(r"(?<!\?)\?\?(?!\?)")
_STATEMENT_HOLE = re.compile(r"^[ \t\f]*\?\?[ \t\f]*(?:#.*)?$")
_COMMENT = re.compile(r"#[^'\"]*$")
_OPENERS = frozenset("([{,\\+-*/%&|^=<>@~")
_LITERAL_TYPES = frozenset({"string", "comment", "string_content", "concatenated_string"})


def find_holes(text: str, root: Node, index: LineIndex) -> list[Hole]:
    holes: list[Hole] = []
    for match in _HOLE.finditer(text):
        start, end = match.start(), match.end()
        if _in_string_or_comment(root, index.char_to_byte(start)):
            continue
        line0, character = index.to_lsp(start)
        end_line0, end_character = index.to_lsp(end)
        statement = _STATEMENT_HOLE.match(index.line_text(line0)) is not None and (
            not _continues_expression(index, line0)
        )
        holes.append(
            Hole(
                start=start,
                end=end,
                line=line0,
                character=character,
                end_line=end_line0,
                end_character=end_character,
                kind="statement" if statement else "expression",
            )
        )
    return holes


def _continues_expression(index: LineIndex, line0: int) -> bool:
    """Whether the code line before ``line0`` leaves an expression open
    (``foo(``, ``x = [1,``, ``a +``, a backslash), so a lone ``??`` there is
    an argument or operand rather than a statement."""
    for previous in range(line0 - 1, -1, -1):
        code = _COMMENT.sub("", index.line_text(previous)).rstrip()
        if code:
            return code[-1] in _OPENERS
    return False


def _in_string_or_comment(root: Node, byte: int) -> bool:
    node: Node | None = root.descendant_for_byte_range(byte, byte + 2)
    while node is not None:
        if node.type in _LITERAL_TYPES:
            return True
        node = node.parent
    return False
