"""A Python document, parsed once with tree-sitter, and what it contains."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from tree_sitter import Node, Tree

from cwm_lsp.source.calls import CallIndex
from cwm_lsp.source.doctests import docstring_of, doctest_calls
from cwm_lsp.source.functions import build_function_info
from cwm_lsp.source.holes import find_holes
from cwm_lsp.source.input_comment import InputComment, find_input_comment
from cwm_lsp.source.outline import FoundFunction, Outline
from cwm_lsp.source.parsing import empty_tree, looks_binary, parse_python
from cwm_lsp.source.positions import LineIndex
from cwm_lsp.source.recovery import with_recovered
from cwm_lsp.source.types import CallSite, FunctionInfo, Hole

T = TypeVar("T")


class PythonDocument:
    """One version of a Python file's text.

    Parsing happens once, in the constructor; everything else is computed on
    first use and cached, so keep one object per document version.  Files
    with syntax errors still give their functions (tree-sitter's error
    recovery, helped by :mod:`cwm_lsp.source.recovery`); text that looks
    binary, or takes longer than :data:`~cwm_lsp.source.parsing.PARSE_BUDGET_S`
    to parse, gets an empty tree (no functions) and ``has_errors()``.
    ``lines`` are split at ``\\r\\n``, ``\\n`` and ``\\r`` and keep no line
    break; ``lines[i]`` is LSP line ``i`` (a text ending in a line break has a
    last, empty line).  Nothing here raises on odd text (binary junk, NUL
    bytes, lone surrogates).  Safe to share between threads.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._index = LineIndex(text)
        self.lines: list[str] = [
            text[start:end] for start, end in zip(self._index.starts, self._index.ends, strict=True)
        ]
        tree = None if looks_binary(text) else parse_python(self._index.data)
        #: False when the text looked binary or took too long to parse: then
        #: the tree is empty and ``has_errors()`` is true.
        self.parsed = tree is not None
        self.tree: Tree = tree if tree is not None else empty_tree()
        self._lock = threading.RLock()
        self._cache: dict[str, object] = {}

    # -- caching -------------------------------------------------------------

    def _cached(self, key: str, compute: Callable[[], T]) -> T:
        with self._lock:
            if key not in self._cache:
                self._cache[key] = compute()
            return self._cache[key]  # type: ignore[return-value]

    @property
    def root(self) -> Node:
        return self.tree.root_node

    @property
    def line_index(self) -> LineIndex:
        return self._index

    # -- functions -----------------------------------------------------------

    def _found(self) -> list[tuple[FunctionInfo, FoundFunction]]:
        def compute() -> list[tuple[FunctionInfo, FoundFunction]]:
            outline = Outline(self.root)
            result = [
                (build_function_info(found, self.text, self._index, outline), found)
                for found in outline.functions
            ]
            if self.root.has_error:
                result = with_recovered(result, outline, self.root, self._index, self.lines)
            return result

        return self._cached("functions", compute)

    def functions(self) -> list[FunctionInfo]:
        """Every def (functions, methods, nested defs) in source order."""
        return [info for info, _ in self._found()]

    def function_at(self, line: int) -> FunctionInfo | None:
        """The innermost function whose lines (decorators to last statement)
        hold the 1-based ``line``."""
        best: FunctionInfo | None = None
        for info in self.functions():
            if info.start_line <= line <= info.end_line and (
                best is None or info.start_line >= best.start_line
            ):
                best = info
        return best

    def function_named(self, qualname: str) -> FunctionInfo | None:
        """The function with this ``__qualname__``; failing that, the first
        function with this simple name."""
        functions = self.functions()
        for info in functions:
            if info.qualname == qualname:
                return info
        for info in functions:
            if info.name == qualname:
                return info
        return None

    def _definition_of(self, func: FunctionInfo) -> FoundFunction | None:
        for info, found in self._found():
            if info == func:
                return found
        for info, found in self._found():
            if info.qualname == func.qualname and info.text == func.text:
                return found
        return None

    # -- calls ---------------------------------------------------------------

    def call_sites(self, name: str) -> list[CallSite]:
        """Calls ``name(...)`` / ``x.name(...)`` outside the body of the function
        itself, in source order.  ``name`` may be a qualname (``"A.m"``): the
        calls are matched on its last part, the body excluded is that
        function's; for a plain name the bodies of all functions so named."""
        simple = name.rsplit(".", 1)[-1]
        index = self._call_index()
        own = [
            info
            for info in self.functions()
            if info.qualname == name or ("." not in name and info.name == name)
        ]
        return [
            call.site
            for call in index.calls_of(simple)
            if not any(
                info.start_byte <= call.start_byte and call.end_byte <= info.end_byte
                for info in own
            )
        ]

    def calls_in(self, func: FunctionInfo) -> list[CallSite]:
        """The calls ``f(...)`` / ``x.f(...)`` made in ``func`` (nested defs
        included), in source order; ``{c.callee for c in ...}`` names what
        it calls."""
        return [c.site for c in self._call_index().calls_between(func.start_byte, func.end_byte)]

    def _call_index(self) -> CallIndex:
        return self._cached("calls", lambda: CallIndex(self.root, self.text, self._index))

    # -- doctests and comments ------------------------------------------------

    def doctest_examples(self, func: FunctionInfo) -> list[tuple[str, int]]:
        """(call text, 1-based line) for each doctest example calling ``func``."""
        found = self._definition_of(func)
        if found is None:
            return []
        string = docstring_of(found.definition)
        if string is None:
            return []
        return [(c.text, c.line) for c in doctest_calls(string, self._index, func.name)]

    def doctest_calls(self, func: FunctionInfo) -> list[str]:
        """The calls of ``func`` in its docstring's ``>>>`` examples, as written
        (``">>> print(f(3))"`` gives ``"f(3)"``)."""
        return [text for text, _ in self.doctest_examples(func)]

    def input_comment_at(self, func: FunctionInfo) -> InputComment | None:
        return find_input_comment(self.root, self._index, func.start_line, func.def_line)

    def input_comment(self, func: FunctionInfo) -> str | None:
        """What follows ``# cwm:`` in the comment lines just above the def (or
        its decorators); the nearest one wins."""
        comment = self.input_comment_at(func)
        return comment.args if comment is not None else None

    # -- holes and errors -------------------------------------------------------

    def holes(self) -> list[Hole]:
        """``??`` holes outside strings and comments, in source order."""
        return self._cached("holes", lambda: find_holes(self.text, self.root, self._index))

    def has_errors(self) -> bool:
        """Whether tree-sitter found a syntax error (ERROR or MISSING node), or
        the text was not parsed (binary, or past the parse time budget)."""
        return not self.parsed or self.root.has_error

    # -- positions -------------------------------------------------------------

    def to_lsp(self, offset: int) -> tuple[int, int]:
        """Character offset into ``text`` -> (0-based line, UTF-16 column)."""
        return self._index.to_lsp(offset)

    def from_lsp(self, line: int, character: int) -> int:
        """(0-based line, UTF-16 column) -> character offset into ``text``."""
        return self._index.from_lsp(line, character)
