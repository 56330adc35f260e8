"""Small helpers over tree-sitter nodes shared by the source modules."""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node, Query, QueryCursor


def node_text(node: Node) -> str:
    data = node.text
    return data.decode("utf-8", "replace") if data is not None else ""


def node_key(node: Node) -> tuple[int, int, str]:
    """A key that names one node of one tree (ids are not stable across accesses)."""
    return node.start_byte, node.end_byte, node.type


def run_query(query: Query, node: Node) -> Iterator[tuple[int, dict[str, list[Node]]]]:
    """The matches of ``query`` under ``node`` (pattern index, captures)."""
    yield from QueryCursor(query).matches(node)


def effective_end(node: Node) -> int:
    """End byte of ``node``'s last token that is not a comment.

    Tree-sitter puts comments that follow a block, indented like it, inside
    the block; a function ends at its last statement.
    """
    current = node
    while True:
        children = [c for c in current.children if c.type != "comment"]
        if not children:
            return current.end_byte
        current = children[-1]
