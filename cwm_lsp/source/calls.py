"""Call sites: where a function is called in the file."""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass

from tree_sitter import Node, QueryCursor

from cwm_lsp.source.grammar import query
from cwm_lsp.source.positions import LineIndex
from cwm_lsp.source.syntax import node_text
from cwm_lsp.source.types import CallSite


def normalize_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


@dataclass(frozen=True)
class IndexedCall:
    site: CallSite
    start_byte: int
    end_byte: int


class CallIndex:
    """Every ``name(...)`` and ``obj.name(...)`` call, indexed by ``name``."""

    def __init__(self, root: Node, text: str, index: LineIndex) -> None:
        by_name: dict[str, list[IndexedCall]] = defaultdict(list)
        for call in QueryCursor(query("calls")).captures(root).get("call", []):
            callee = call.child_by_field_name("function")
            if callee is None:
                continue
            name = (
                callee if callee.type == "identifier" else callee.child_by_field_name("attribute")
            )
            if name is None:
                continue
            start = index.byte_to_char(call.start_byte)
            end = index.byte_to_char(call.end_byte)
            site = CallSite(
                line=index.line_of(start) + 1,
                text=normalize_newlines(text[start:end]),
                callee=normalize_newlines(node_text(callee)),
            )
            by_name[node_text(name)].append(IndexedCall(site, call.start_byte, call.end_byte))
        for calls_of_name in by_name.values():
            calls_of_name.sort(key=lambda c: c.start_byte)
        self._by_name = dict(by_name)
        self._all = sorted(
            (call for calls in by_name.values() for call in calls), key=lambda c: c.start_byte
        )

    def calls_of(self, name: str) -> list[IndexedCall]:
        return list(self._by_name.get(name, ()))

    def calls_between(self, start_byte: int, end_byte: int) -> list[IndexedCall]:
        """Calls lying wholly inside the byte range, in source order."""
        first = bisect_left(self._all, start_byte, key=lambda c: c.start_byte)
        found: list[IndexedCall] = []
        for call in self._all[first:]:
            if call.start_byte >= end_byte:
                break
            if call.end_byte <= end_byte:
                found.append(call)
        return found
