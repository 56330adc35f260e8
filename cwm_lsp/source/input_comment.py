"""``# cwm: f(3, "x")``: inputs written by the user just above a def."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tree_sitter import Node

from cwm_lsp.source.positions import LineIndex

_CWM_COMMENT = re.compile(r"^\s*#\s*cwm\s*:\s*(.*?)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class InputComment:
    args: str
    line: int  # 1-based


def find_input_comment(
    root: Node, index: LineIndex, start_line: int, def_line: int
) -> InputComment | None:
    """The ``# cwm:`` comment nearest the def in the comment lines right above
    the def line (between decorators) or right above the first decorator."""
    for first in dict.fromkeys((def_line, start_line)):
        line0 = first - 2
        while line0 >= 0:
            content = index.line_text(line0)
            if not content.lstrip().startswith("#"):
                break
            match = _CWM_COMMENT.match(content)
            if match and match.group(1) and _is_comment(root, index, line0):
                return InputComment(match.group(1), line0 + 1)
            line0 -= 1
    return None


def _is_comment(root: Node, index: LineIndex, line0: int) -> bool:
    content = index.line_text(line0)
    offset = index.starts[line0] + content.index("#")
    byte = index.char_to_byte(offset)
    node = root.descendant_for_byte_range(byte, byte + 1)
    return node is not None and node.type == "comment"
