"""Which line of a function can run next: the line-event flow ``sys.settrace`` reports.

Built from the function's ``ast``.  For a line where a statement starts,
:meth:`LineFlow.after` gives the lines whose line event can come next in
the same frame, and :data:`RETURN` when the frame can return from there
(a ``return``, the end of the body, a ``yield``).  The sets are supersets:
where CPython 3.11 may or may not report a line (``pass``, the
``with`` line when its block exits)
both are allowed, and lines whose flow is not modelled (``except`` and
``finally`` blocks, ``match``) answer None: any line.  An exception can
come from any line; what follows it is not constrained here.

The generic prompt format uses this to offer only the lines that can come
next, so a small model cannot jump from a loop body to the ``return``
after it, or return from the middle of a function.  :meth:`LineFlow.returns_none`
says where a return gives ``None`` for certain (a bare ``return``, the end
of the body), so the value is not the model's to guess.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence

#: pseudo line number: the frame returns
RETURN = 0

Targets = frozenset[int]
_NO_CODE = (ast.Global, ast.Nonlocal)


class _Context:
    """Where ``break``, ``continue`` and ``return`` lead from inside a block."""

    def __init__(
        self,
        loop_header: Targets = frozenset(),
        after_loop: Targets = frozenset(),
        detours: Targets = frozenset(),
    ) -> None:
        self.loop_header = loop_header
        self.after_loop = after_loop
        #: lines that may run before leaving: ``finally`` blocks, ``with`` headers
        self.detours = detours

    def inside_loop(self, header: Targets, after: Targets) -> _Context:
        return _Context(header, after, self.detours)

    def with_detour(self, lines: Targets) -> _Context:
        return _Context(self.loop_header, self.after_loop, self.detours | lines)


class LineFlow:
    """The line-event flow of one function (``ast.FunctionDef``)."""

    def __init__(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self._after: dict[int, set[int]] = {}
        self._unknown: set[int] = set()
        #: lines where an exception may be caught or suppressed (try bodies, with blocks)
        self._guarded: set[int] = set()
        body = list(node.body)
        if body and _is_docstring(body[0]):
            body = body[1:]  # not compiled: no line event
        self.first: Targets = self._first(body, 0, frozenset({RETURN}))
        self._block(body, frozenset({RETURN}), _Context())
        self._none_returns = _ReturnLines(node)

    def returns_none(self, line: int) -> bool:
        """Does a return event reported at ``line`` certainly return None?

        True at a bare ``return``, and where the frame can only have run off
        the end of its body: a line of no ``return value`` statement, outside
        ``finally`` blocks and ``with`` headers (where a return that ran
        earlier is reported), in a function that never suspends (``yield``,
        ``await``: their return events carry the yielded value).  An
        exception propagating out of the frame is not a return of a value:
        callers tell it apart themselves.
        """
        return self._none_returns.none_at(line)

    def guarded(self, line: int) -> bool:
        """Can an exception raised on ``line`` be caught (or cleaned up) in this frame?
        Where it cannot, the frame's next event is the return that propagates it."""
        return line in self._guarded

    def after(self, line: int) -> Targets | None:
        """Lines (and :data:`RETURN`) that can follow ``line``; None when any line can."""
        if line in self._unknown or line not in self._after:
            return None
        return frozenset(self._after[line])

    # ---------------------------------------------------------------- building

    def _add(self, lines: range | Sequence[int], targets: Targets) -> None:
        """Events on ``lines`` (one statement) are followed by each other or ``targets``."""
        own = set(lines)
        # events move among the lines of a multi-line statement; a one-line
        # statement does not report its own line twice
        among = own if len(own) > 1 else set()
        for line in own:
            self._after.setdefault(line, set()).update(among | targets)

    def _mark_unknown(self, node: ast.AST) -> None:
        start = getattr(node, "lineno", None)
        end = getattr(node, "end_lineno", None)
        if start is not None:
            self._unknown.update(range(start, (end or start) + 1))

    def _guard(self, nodes: Sequence[ast.AST]) -> None:
        for node in nodes:
            start = getattr(node, "lineno", None)
            end = getattr(node, "end_lineno", None) or start
            if start is not None and end is not None:
                self._guarded.update(range(start, end + 1))

    def _first(self, stmts: Sequence[ast.stmt], index: int, cont: Targets) -> Targets:
        """Lines whose event can come first when ``stmts[index:]`` run, then ``cont``."""
        found: set[int] = set()
        for stmt in stmts[index:]:
            if isinstance(stmt, _NO_CODE):
                continue
            found.update(header_lines(stmt))  # a multi-line statement may start anywhere
            if isinstance(stmt, ast.Pass) or _is_constant_expr(stmt):
                continue  # may compile to nothing: the next line may come first
            return frozenset(found)
        return frozenset(found) | cont

    def _block(self, stmts: Sequence[ast.stmt], cont: Targets, ctx: _Context) -> None:
        for index, stmt in enumerate(stmts):
            self._stmt(stmt, self._first(stmts, index + 1, cont), ctx)

    def _stmt(self, stmt: ast.stmt, nxt: Targets, ctx: _Context) -> None:
        header = header_lines(stmt)
        if isinstance(stmt, ast.If):
            orelse = self._first(stmt.orelse, 0, nxt) if stmt.orelse else nxt
            self._add(header, self._first(stmt.body, 0, nxt) | orelse)
            self._block(stmt.body, nxt, ctx)
            self._block(stmt.orelse, nxt, ctx)
        elif isinstance(stmt, ast.For | ast.AsyncFor | ast.While):
            top = frozenset(header)
            orelse = self._first(stmt.orelse, 0, nxt) if stmt.orelse else nxt
            body_first = self._first(stmt.body, 0, top)
            self._add(header, body_first | orelse)
            # the bottom of the loop jumps back to its header, which reports its line
            self._block(stmt.body, top, ctx.inside_loop(top, nxt))
            self._block(stmt.orelse, nxt, ctx)
        elif isinstance(stmt, ast.With | ast.AsyncWith):
            self._guard(stmt.body)  # __exit__ may suppress it
            top = frozenset(header)
            self._add(header, self._first(stmt.body, 0, nxt | top) | nxt)
            self._block(stmt.body, nxt | top, ctx.with_detour(top))
        elif isinstance(stmt, ast.Try | ast.TryStar):
            self._guard(stmt.body)
            if stmt.finalbody:
                self._guard([*stmt.orelse, *stmt.handlers, *stmt.finalbody])
            after_body = (
                self._first(stmt.orelse, 0, nxt)
                if stmt.orelse
                else (self._first(stmt.finalbody, 0, nxt) if stmt.finalbody else nxt)
            )
            self._add(header, self._first(stmt.body, 0, after_body))
            inner = ctx
            if stmt.finalbody:
                inner = ctx.with_detour(self._first(stmt.finalbody, 0, frozenset()))
            self._block(stmt.body, after_body, inner)
            after_else = self._first(stmt.finalbody, 0, nxt) if stmt.finalbody else nxt
            self._block(stmt.orelse, after_else, inner)
            for handler in stmt.handlers:
                self._mark_unknown(handler)
            for final in stmt.finalbody:
                self._mark_unknown(final)
        elif isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            self._add(header, nxt)  # the body runs in a frame of its own
        elif isinstance(stmt, ast.Return):
            self._add(header, frozenset({RETURN}) | ctx.detours)
        elif isinstance(stmt, ast.Raise):
            self._add(header, frozenset())  # an exception event comes next
        elif isinstance(stmt, ast.Break):
            self._add(header, ctx.after_loop | ctx.detours)
        elif isinstance(stmt, ast.Continue):
            self._add(header, ctx.loop_header | ctx.detours)
        elif isinstance(stmt, ast.Match):
            self._mark_unknown(stmt)
        else:
            targets = nxt
            if any(isinstance(n, ast.Yield | ast.YieldFrom | ast.Await) for n in ast.walk(stmt)):
                targets = targets | {RETURN}  # the frame suspends (a return event) and resumes
            self._add(header, targets)


class _ReturnLines:
    """Where a function's return events come from, for :meth:`LineFlow.returns_none`."""

    def __init__(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.bare: set[int] = set()
        self.valued: set[int] = set()
        #: lines a return that ran earlier is reported on: ``finally`` blocks, ``with`` headers
        self.late: set[int] = set()
        self.suspends = isinstance(node, ast.AsyncFunctionDef)
        for child in _own_nodes(node):
            if isinstance(child, ast.Return):
                lines = _span(child)
                (self.valued if child.value is not None else self.bare).update(lines)
            elif isinstance(child, ast.Try | ast.TryStar):
                for stmt in child.finalbody:
                    self.late.update(_span(stmt))
            elif isinstance(child, ast.With | ast.AsyncWith):
                self.late.update(header_lines(child))
            elif isinstance(child, ast.Yield | ast.YieldFrom | ast.Await):
                self.suspends = True

    def none_at(self, line: int) -> bool:
        if line in self.bare:
            return True
        return not (self.suspends or line in self.valued or line in self.late)


def _own_nodes(node: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.AST]:
    """Every node of a function's body, not those of the functions and classes inside it."""
    found: list[ast.AST] = []
    todo: list[ast.AST] = list(node.body)
    while todo:
        child = todo.pop()
        found.append(child)
        if not isinstance(
            child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda
        ):
            todo.extend(ast.iter_child_nodes(child))
    return found


def _span(node: ast.stmt) -> range:
    return range(node.lineno, (node.end_lineno or node.lineno) + 1)


def _start(stmt: ast.stmt) -> int:
    """The line of a statement's first event (decorators run first)."""
    decorators: list[ast.expr] = getattr(stmt, "decorator_list", None) or []
    return min([stmt.lineno, *(d.lineno for d in decorators)])


def header_lines(stmt: ast.stmt) -> range:
    """The lines a statement's own code is on (a compound statement: its header)."""
    start = _start(stmt)
    body = getattr(stmt, "body", None)
    if isinstance(body, list) and body and not isinstance(stmt, ast.Try | ast.TryStar):
        first_inner = min(_start(s) for s in body)
        return (
            range(start, max(start, first_inner - 1) + 1)
            if first_inner > start
            else range(start, start + 1)
        )
    if isinstance(stmt, ast.Try | ast.TryStar):
        return range(start, start + 1)
    return range(start, (stmt.end_lineno or stmt.lineno) + 1)


def _is_docstring(stmt: ast.stmt) -> bool:
    return (
        isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Constant)
        and isinstance(stmt.value.value, str)
    )


def _is_constant_expr(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)
