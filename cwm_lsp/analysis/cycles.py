"""Cycles in an imagined run: back at a ``while`` loop's line with the same complete state,
in a function with no external inputs (see :mod:`cwm_lsp.analysis.termination`)."""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from cwm_lsp.analysis.ast_facts import (
    WHOLE_CALLS,
    WHOLE_NAMES,
    own_nodes,
)
from cwm_lsp.analysis.closed_world import closed_world
from cwm_lsp.analysis.source_index import FunctionInfo, SourceIndex
from cwm_lsp.analysis.termination import Evidence
from cwm_lsp.trace import ELLIPSIS, Frame, frame_depths


@dataclass(frozen=True)
class Cycle:
    """An imagined run back at ``line`` with the same state: frames ``first`` and ``again``."""

    line: int
    first: int
    again: int
    function: str

    @property
    def evidence(self) -> Evidence:
        return Evidence("cycle", self.line, self.function)


class CycleFinder:
    """Finds the revisit of a line with the same state, in functions with no external inputs."""

    def __init__(self, index: SourceIndex, entry: FunctionInfo) -> None:
        self.index = index
        self.entry = entry
        self.closed = closed_world(index, entry)
        self._loops: dict[FunctionInfo, _LoopLines] = {}

    def _loop_lines(self, info: FunctionInfo) -> _LoopLines | None:
        if info not in self._loops:
            node = self.index.node(info)
            if not isinstance(node, ast.FunctionDef):
                return None
            self._loops[info] = _LoopLines(node)
        return self._loops[info]

    def find(self, frames: Sequence[Frame]) -> Cycle | None:
        """Does the last frame revisit an earlier one (see the module docstring)?"""
        if not self.closed or not frames or frames[-1].event != "line":
            return None
        last = frames[-1]
        depths = frame_depths(frames)
        depth = depths[-1]
        scope = self._scope(frames, depths)
        loops = self._loop_lines(scope) if scope is not None else None
        if scope is None or loops is None or not loops.in_while(last.line):
            return None
        if last.line in loops.for_headers or not complete_state(last.locals):
            return None
        around = loops.for_around(last.line)
        for j in range(len(frames) - 2, -1, -1):
            frame = frames[j]
            if depths[j] < depth or (depths[j] == depth and frame.event == "call"):
                return None  # another activation of the function
            if depths[j] > depth or frame.event != "line":
                continue
            if frame.line in around:
                return None  # a for loop around the line moved on: its iterator is not shown
            if frame.line == last.line and frame.locals == last.locals:
                return Cycle(last.line, j, len(frames) - 1, scope.qualname)
        return None

    def _scope(self, frames: Sequence[Frame], depths: Sequence[int]) -> FunctionInfo | None:
        """The function the last frame runs in (by the call that opened its activation)."""
        depth = depths[-1]
        for frame, d in zip(reversed(frames), reversed(depths), strict=True):
            if d == depth and frame.event == "call":
                return self.index.by_call_line.get(frame.line)
        return None


class _LoopLines:
    """Which lines of a function are in a ``while`` loop, and which ``for`` loops surround each."""

    def __init__(self, node: ast.FunctionDef) -> None:
        self.for_headers: set[int] = set()
        self._while: set[int] = set()
        self._for_body: dict[int, set[int]] = {}
        for child in own_nodes(node.body):
            if isinstance(child, ast.While):
                self._while.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
            elif isinstance(child, ast.For | ast.AsyncFor) and child.body:
                self.for_headers.add(child.lineno)
                first = child.body[0].lineno
                end = child.body[-1].end_lineno or child.body[-1].lineno
                for line in range(first, end + 1):
                    self._for_body.setdefault(line, set()).add(child.lineno)

    def in_while(self, line: int) -> bool:
        return line in self._while

    def for_around(self, line: int) -> set[int]:
        """Headers of the ``for`` loops whose body holds ``line``."""
        return self._for_body.get(line, set())


def complete_state(state: Mapping[str, str]) -> bool:
    """Does every value's repr show the whole value?"""
    return all(_whole_repr(value) for value in state.values())


@lru_cache(maxsize=4096)
def _whole_repr(text: str) -> bool:
    if ELLIPSIS in text or len(text) > 2000:
        return False
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError):
        return False
    for node in ast.walk(tree.body):
        if isinstance(node, ast.Call):
            if not (isinstance(node.func, ast.Name) and node.func.id in WHOLE_CALLS):
                return False
        elif isinstance(node, ast.Name):
            if node.id not in WHOLE_NAMES | WHOLE_CALLS:
                return False
        elif not isinstance(node, _WHOLE_NODES):
            return False
    return True


_WHOLE_NODES = (
    ast.Constant,
    ast.List,
    ast.Tuple,
    ast.Set,
    ast.Dict,
    ast.UnaryOp,
    ast.BinOp,
    ast.keyword,
    ast.expr_context,
    ast.unaryop,
    ast.operator,
)
