"""Cycles in an imagined run: back at a ``while`` loop's line with the same complete state,
in a function with no external inputs (see :mod:`cwm_lsp.analysis.termination`), unless
the run broke the code's own rules on the way round (:mod:`cwm_lsp.analysis.certain`):
then the repeat is the model's mistake, not evidence."""

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
from cwm_lsp.analysis.certain import UNKNOWN, always_changes, assigned, literal, truth
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
                if loops.slipped(frames, depths, _activation(frames, depths, j), j, depth):
                    return None  # the model broke the code's own rules on the way round
                return Cycle(last.line, j, len(frames) - 1, scope.qualname)
        return None

    def _scope(self, frames: Sequence[Frame], depths: Sequence[int]) -> FunctionInfo | None:
        """The function the last frame runs in (by the call that opened its activation)."""
        depth = depths[-1]
        for frame, d in zip(reversed(frames), reversed(depths), strict=True):
            if d == depth and frame.event == "call":
                return self.index.by_call_line.get(frame.line)
        return None


def _activation(frames: Sequence[Frame], depths: Sequence[int], index: int) -> int:
    """The index of the call frame that opened the activation ``frames[index]`` runs in."""
    depth = depths[index]
    for j in range(index, -1, -1):
        if depths[j] == depth and frames[j].event == "call":
            return j
    return 0


class _LoopLines:
    """Which lines of a function are in a ``while`` loop, and which ``for`` loops surround each."""

    def __init__(self, node: ast.FunctionDef) -> None:
        self.for_headers: set[int] = set()
        self._while: set[int] = set()
        self._for_body: dict[int, set[int]] = {}
        #: header line -> the while loop; line -> the statement that starts on it
        self._while_at: dict[int, ast.While] = {}
        self._stmt_at: dict[int, ast.stmt] = {}
        for child in own_nodes(node.body):
            if isinstance(child, ast.stmt):
                self._stmt_at.setdefault(child.lineno, child)
            if isinstance(child, ast.While):
                self._while_at[child.lineno] = child
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

    def slipped(
        self,
        frames: Sequence[Frame],
        depths: Sequence[int],
        begin: int,
        start: int,
        depth: int,
    ) -> bool:
        """Did the imagined run break the code's own rules since its activation began at
        ``frames[begin]`` (the cycle runs from ``frames[start]`` to the end), so that its
        coming back to a state is the model's mistake, not the code's?

        - a plain assignment whose value the state gives (``b = b[1:]``) followed by
          another value;
        - a ``while`` test that is false (or raises) in the state the run tested it in,
          after which the run stayed in the loop;
        - the only statement on the way round that can change anything always changes
          the state (``items.pop()``, ``ls.remove(v)``, ``n += 1``, ``d.clear()`` of a
          non-empty dict): the state cannot come back.
        """
        ran = [
            k for k in range(begin, len(frames)) if depths[k] == depth and frames[k].event == "line"
        ]
        for at, k in enumerate(ran[:-1]):
            stmt = self._stmt_at.get(frames[k].line)
            given = assigned(stmt, frames[k].locals) if stmt is not None else None
            raised = any(
                frames[i].event == "exception" and depths[i] == depth
                for i in range(k + 1, ran[at + 1])
            )
            if given is not None and not raised:
                name, value = given
                after = literal(frames[ran[at + 1]].locals.get(name))
                if after is not UNKNOWN and after != value:
                    return True  # the model wrote another value than the line gives
        for at, k in enumerate(ran):
            loop = self._while_at.get(frames[k].line)
            if loop is None or at + 1 >= len(ran):
                continue
            verdict = truth(loop.test, frames[k].locals)
            following = frames[ran[at + 1]].line
            inside = loop.body[0].lineno <= following <= (loop.end_lineno or loop.lineno)
            if verdict is not UNKNOWN and verdict is not True and inside:
                return True
        changing: dict[int, list[int]] = {}
        for k in (k for k in ran if k >= start):
            if _may_change(self._stmt_at.get(frames[k].line)):
                changing.setdefault(frames[k].line, []).append(k)
        if len(changing) != 1:
            return False
        ((line, visits),) = changing.items()
        stmt = self._stmt_at.get(line)
        return stmt is not None and all(always_changes(stmt, frames[k].locals) for k in visits)


#: calls that change nothing (a test or a value that calls only these is no change)
_PURE_CALLS = frozenset({"len", "isinstance", "abs", "min", "max", "sum", "sorted", "str", "int"})


def _may_change(stmt: ast.stmt | None) -> bool:
    """Can running the statement's own code change a local (or an object a local holds)?"""
    if stmt is None:
        return False
    if isinstance(stmt, ast.Assign | ast.AugAssign | ast.AnnAssign | ast.Delete):
        return True
    own: list[ast.AST] = [stmt.test] if isinstance(stmt, ast.While | ast.If) else [stmt]
    if isinstance(stmt, ast.For | ast.AsyncFor | ast.With | ast.Try):
        return True
    for part in own:
        for node in ast.walk(part):
            if isinstance(node, ast.NamedExpr):
                return True
            if isinstance(node, ast.Call):
                func = node.func
                if not (isinstance(func, ast.Name) and func.id in _PURE_CALLS):
                    return True
    return False


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
