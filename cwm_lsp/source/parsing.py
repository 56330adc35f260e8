"""Parsing with a guard against binary junk and pathological inputs.

Tree-sitter's error recovery costs about 10 µs per byte of random bytes (a
1 MB binary file would take ~10 s), so text that looks binary is not parsed
at all, and any parse stops after a time budget.  Either way the document
gets an empty tree and reports errors.
"""

from __future__ import annotations

import time

from tree_sitter import Tree

from cwm_lsp.source.grammar import new_parser

#: CPU seconds (of the parsing thread) one parse may take; a 50,000-line file
#: needs ~0.3 s.  CPU time, not wall-clock, so a busy machine does not cut
#: ordinary files short.
PARSE_BUDGET_S = 3.0
_CHUNK = 1 << 16
_SAMPLE = 8192
_BINARY_SHARE = 0.10


def looks_binary(text: str) -> bool:
    """Whether the text is mostly not text: over 10% control characters,
    undecodable bytes (``surrogateescape``) or NULs in its first 8 KB."""
    sample = text[:_SAMPLE]
    if not sample:
        return False
    junk = sum(
        1
        for ch in sample
        if (ch < " " and ch not in "\t\n\r\f")
        or "\x7f" <= ch < "\xa0"
        or "\udc80" <= ch <= "\udcff"
    )
    return junk > len(sample) * _BINARY_SHARE


def parse_python(data: bytes, budget_s: float = PARSE_BUDGET_S) -> Tree | None:
    """The tree of ``data``, or None when parsing took more than ``budget_s``
    seconds of this thread's CPU time."""
    parser = new_parser()
    deadline = time.thread_time() + budget_s

    def read(byte: int, _point: object) -> bytes:
        return data[byte : byte + _CHUNK]

    def out_of_time(*_progress: object) -> bool:
        return time.thread_time() > deadline

    try:
        guarded = parser.parse(read, progress_callback=out_of_time)
    except ValueError:  # tree-sitter reports a cancelled parse as "Parsing failed"
        return None
    # A tree parsed through a read callback has no text of its own (Node.text
    # would call back for every node); re-parsing the bytes with it as the old
    # tree reuses every node and costs ~5% of the first parse.
    return parser.parse(data, old_tree=guarded)


def empty_tree() -> Tree:
    return new_parser().parse(b"")
