"""Dead-store removal for generated programs: every value computed flows somewhere.

A generated body may compute values nothing reads.  :func:`prune_program`
removes the lines of the statements that only feed such values (and of
loops or branches left with nothing to do), then the helpers nobody calls.
What is kept is what the returned value, a raised exception or a loop's
``break`` can depend on; a block is never left empty (its first statement
stays).
"""

from __future__ import annotations

import ast

#: Methods that change their receiver in place.
MUTATORS = frozenset(
    {
        "append",
        "insert",
        "extend",
        "sort",
        "reverse",
        "remove",
        "pop",
        "clear",
        "setdefault",
        "update",
    }
)
_COMPOUND = (ast.If, ast.For, ast.While, ast.Try)
_ALWAYS = (ast.Return, ast.Raise, ast.Pass)
_JUMPS = (ast.Break, ast.Continue)


def _loads(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _base(node: ast.expr) -> str | None:
    while isinstance(node, ast.Subscript | ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _targets(node: ast.expr) -> set[str]:
    if isinstance(node, ast.Tuple | ast.List):
        return set().union(*(_targets(e) for e in node.elts)) if node.elts else set()
    if isinstance(node, ast.Starred):
        return _targets(node.value)
    name = _base(node)
    return {name} if name else set()


def defs(stmt: ast.stmt) -> set[str]:
    """Names a simple statement binds or changes in place."""
    names: set[str] = set()
    if isinstance(stmt, ast.Assign):
        for target in stmt.targets:
            names |= _targets(target)
    elif isinstance(stmt, ast.AugAssign | ast.AnnAssign):
        names |= _targets(stmt.target)
    elif isinstance(stmt, ast.Delete):
        for target in stmt.targets:
            names |= _targets(target)
    for node in ast.walk(stmt):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in MUTATORS
        ):
            base = _base(node.func.value)
            if base:
                names.add(base)
    return names


def uses(stmt: ast.stmt) -> set[str]:
    """Names a statement reads: all of a simple one, the header of a compound one."""
    if isinstance(stmt, ast.If | ast.While):
        return _loads(stmt.test)
    if isinstance(stmt, ast.For):
        return _loads(stmt.iter)
    if isinstance(stmt, ast.Try):
        return set()
    names = _loads(stmt)
    if isinstance(stmt, ast.AugAssign):
        names |= _targets(stmt.target)
    return names


def _blocks(stmt: ast.stmt) -> list[list[ast.stmt]]:
    if isinstance(stmt, ast.If | ast.For | ast.While):
        return [block for block in (stmt.body, stmt.orelse) if block]
    if isinstance(stmt, ast.Try):
        blocks = [stmt.body, *(h.body for h in stmt.handlers), stmt.orelse, stmt.finalbody]
        return [block for block in blocks if block]
    return []


class _Marker:
    def __init__(self, live: set[str]) -> None:
        self.live = live
        self.kept: set[int] = set()

    def block(self, block: list[ast.stmt]) -> bool:
        any_kept = False
        for stmt in block:
            any_kept |= self.stmt(stmt)
        return any_kept

    def stmt(self, stmt: ast.stmt) -> bool:
        if isinstance(stmt, _COMPOUND):
            inner = [self.block(block) for block in _blocks(stmt)]
            bound = _targets(stmt.target) if isinstance(stmt, ast.For) else set()
            keep = any(inner) or bool(bound & self.live)
            if keep and isinstance(stmt, ast.For | ast.While):
                self.jumps(stmt.body)
        else:
            keep = isinstance(stmt, _ALWAYS) or bool(defs(stmt) & self.live)
        if keep:
            self.kept.add(id(stmt))
            for block in _blocks(stmt):
                self.fill(block)
        return keep

    def jumps(self, block: list[ast.stmt]) -> bool:
        """Keep the ``break``/``continue`` of a kept loop, and the ``if`` around them."""
        found = False
        for stmt in block:
            if isinstance(stmt, _JUMPS):
                found = True
                self.kept.add(id(stmt))
            elif isinstance(stmt, ast.If | ast.Try) and any([self.jumps(b) for b in _blocks(stmt)]):
                found = True
                self.kept.add(id(stmt))
                for inner in _blocks(stmt):
                    self.fill(inner)
        return found

    def fill(self, block: list[ast.stmt]) -> None:
        """A kept statement's block is never empty: keep its first statement if need be."""
        if not any(id(stmt) in self.kept for stmt in block):
            first = block[0]
            self.kept.add(id(first))
            for inner in _blocks(first):
                self.fill(inner)


def _kept_uses(body: list[ast.stmt], kept: set[int]) -> set[str]:
    names: set[str] = set()
    for stmt in body:
        if id(stmt) in kept:
            names |= uses(stmt)
            if defs(stmt) & uses(stmt):
                names |= defs(stmt)
        for block in _blocks(stmt):
            names |= _kept_uses(block, kept)
    return names


def _removed_lines(block: list[ast.stmt], kept: set[int]) -> set[int]:
    lines: set[int] = set()
    for stmt in block:
        if id(stmt) not in kept:
            lines.update(range(stmt.lineno, (stmt.end_lineno or stmt.lineno) + 1))
        else:
            for inner in _blocks(stmt):
                lines |= _removed_lines(inner, kept)
    return lines


def dead_lines(function: ast.FunctionDef) -> set[int]:
    """Line numbers of the statements of ``function`` whose results nothing depends on."""
    live: set[str] = set()
    while True:
        marker = _Marker(live)
        marker.block(function.body)
        grown = live | _kept_uses(function.body, marker.kept)
        if grown == live:
            break
        live = grown
    return _removed_lines(function.body, marker.kept)


def prune_program(source: str) -> str:
    """``source`` without dead stores and without helpers the last function no longer calls.

    Lines are removed from the text itself (the generator writes one
    statement per line), so the formatting of what is kept does not change.
    """
    tree = ast.parse(source)
    functions = [node for node in tree.body if isinstance(node, ast.FunctionDef)]
    removed: set[int] = set()
    for function in functions:
        removed |= dead_lines(function)
    needed = {functions[-1].name}
    for function in reversed(functions):
        if function.name in needed:
            body_lines = range(function.lineno, (function.end_lineno or function.lineno) + 1)
            needed |= {
                n.id
                for n in ast.walk(function)
                if isinstance(n, ast.Name) and n.lineno not in removed and n.lineno in body_lines
            }
    for function in functions:
        if function.name not in needed:
            removed.update(range(function.lineno, (function.end_lineno or function.lineno) + 2))
    lines = source.splitlines()
    kept = [line for number, line in enumerate(lines, start=1) if number not in removed]
    return "\n".join(kept).strip("\n") + "\n"
