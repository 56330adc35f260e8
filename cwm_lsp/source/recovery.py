"""Functions that tree-sitter's error recovery swallowed.

A syntax error early in a def (``def f(a, b=``) can make tree-sitter read the
defs after it as part of the broken one.  For every ``def`` line that gave no
function, its indented block alone is parsed again (``included_ranges`` keeps
the byte offsets those of the whole file) and its qualname is rebuilt from
the ``class``/``def`` lines that enclose it by indentation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tree_sitter import Node, Point, Range, Tree

from cwm_lsp.source.functions import build_function_info
from cwm_lsp.source.grammar import new_parser
from cwm_lsp.source.outline import FoundFunction, Outline
from cwm_lsp.source.positions import LineIndex
from cwm_lsp.source.types import FunctionInfo

Found = list[tuple[FunctionInfo, FoundFunction]]

_DEF = re.compile(r"^([ \t]*)(?:async[ \t]+)?def[ \t]+\w")
_SCOPE = re.compile(r"^([ \t]*)(?:async[ \t]+)?(def|class)[ \t]+(\w+)")
_LITERALS = frozenset({"string", "comment", "string_content"})


@dataclass(frozen=True)
class RecoveredBlock:
    """A def's block parsed on its own, and the scopes around it."""

    tree: Tree
    outer: tuple[tuple[str, str], ...]  # (kind "def"/"class", name), outermost first
    first_line: int  # 0-based, first decorator or the def
    indent: int  # the def's indentation width


def indent_width(prefix: str) -> int:
    return len(prefix.expandtabs(8))


def is_code(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def _in_literal(root: Node, byte: int) -> bool:
    node: Node | None = root.descendant_for_byte_range(byte, byte + 1)
    while node is not None:
        if node.type in _LITERALS:
            return True
        node = node.parent
    return False


def lost_def_lines(lines: list[str], known_def_lines: set[int]) -> list[int]:
    """0-based lines that start a ``def`` but gave no function."""
    return [i for i, line in enumerate(lines) if i + 1 not in known_def_lines and _DEF.match(line)]


def recover_block(
    root: Node, index: LineIndex, lines: list[str], line0: int
) -> RecoveredBlock | None:
    """Parse the block of the def on ``line0`` alone; None if it is not code."""
    match = _DEF.match(lines[line0])
    if match is None:
        return None
    indent = indent_width(match.group(1))
    start_char = index.starts[line0] + len(match.group(1))
    start_byte = index.char_to_byte(start_char)
    if _in_literal(root, start_byte):
        return None
    # decorators directly above, at the same indentation
    first = line0
    while first > 0 and lines[first - 1].strip().startswith("@"):
        first -= 1
    if first != line0:
        first_line = lines[first]
        start_char = index.starts[first] + len(first_line) - len(first_line.lstrip())
        start_byte = index.char_to_byte(start_char)
    last = line0
    for j in range(line0 + 1, len(lines)):
        if not is_code(lines[j]):
            continue
        if indent_width(lines[j][: len(lines[j]) - len(lines[j].lstrip())]) <= indent:
            break
        last = j
    end_byte = index.char_to_byte(index.ends[last])
    parser = new_parser()
    start_point = Point(first, 0)
    end_point = Point(last + 1, 0)
    parser.included_ranges = [Range(start_point, end_point, start_byte, end_byte)]
    tree = parser.parse(index.data)
    return RecoveredBlock(tree, _outer_scopes(lines, first, indent), first, indent)


def _outer_scopes(lines: list[str], line0: int, indent: int) -> tuple[tuple[str, str], ...]:
    scopes: list[tuple[str, str]] = []
    for j in range(line0 - 1, -1, -1):
        if indent == 0:
            break
        line = lines[j]
        if not is_code(line):
            continue
        width = indent_width(line[: len(line) - len(line.lstrip())])
        if width >= indent:
            continue
        indent = width
        scope = _SCOPE.match(line)
        if scope is None:
            continue  # an `if`/`for`/... block: no scope of its own
        scopes.append((scope.group(2), scope.group(3)))
    return tuple(reversed(scopes))


def with_recovered(
    found: Found, outline: Outline, root: Node, index: LineIndex, lines: list[str]
) -> Found:
    """``found`` (from the whole-file parse) plus the defs error recovery swallowed.

    A def parsed again on its own replaces what the whole-file parse said
    about the same def line, and a def that swallowed a later block ends
    before it.
    """
    by_line = {info.def_line: (info, f) for info, f in found}
    main_lines = set(by_line)
    blocks: list[tuple[int, int]] = []  # (first line0, def indentation)
    for line0 in lost_def_lines(lines, set(by_line)):
        if line0 + 1 in by_line and line0 + 1 not in main_lines:
            continue  # found inside an earlier recovered block
        block = recover_block(root, index, lines, line0)
        if block is None:
            continue
        blocks.append((block.first_line, block.indent))
        sub_outline = Outline(block.tree.root_node)
        for sub in sub_outline.functions:
            info = build_function_info(sub, index.text, index, sub_outline, block.outer)
            by_line[info.def_line] = (info, sub)
            main_lines.discard(info.def_line)
    for def_line in main_lines if blocks else ():
        info, main = by_line[def_line]
        clip = _clip_before(info, blocks, index, lines)
        if clip is not None:
            clipped = build_function_info(main, index.text, index, outline, clip_byte=clip)
            by_line[def_line] = (clipped, main)
    return sorted(by_line.values(), key=lambda p: (p[0].start_byte, -p[0].end_byte))


def _clip_before(
    info: FunctionInfo, blocks: list[tuple[int, int]], index: LineIndex, lines: list[str]
) -> int | None:
    """End byte for a def that swallowed a recovered block, else None."""
    line = lines[info.def_line - 1]
    indent = indent_width(line[: len(line) - len(line.lstrip())])
    for first, block_indent in sorted(blocks):
        if info.def_line <= first < info.end_line and block_indent <= indent:
            last = first - 1
            while last >= info.def_line and not is_code(lines[last]):
                last -= 1
            return index.char_to_byte(index.ends[last])
    return None
