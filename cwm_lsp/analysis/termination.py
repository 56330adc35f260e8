"""Evidence that a run can never end: what "may not terminate" may be said on.

A trace that hits the frame cap is no evidence: a small model runs away on
loops that end after three turns.  Two things are.

**The source shows it** (:func:`endless_loops`).  A ``while`` loop that,
once entered, can only run again:

* its condition is a constant that is true (``while True``), or reads only
  locals (and built-ins such as ``len``) that its body never changes, so
  it is true at every test if it was at the first; and
* nothing in the body can leave the loop: no ``break`` of this loop, no
  ``return``, ``raise``, ``assert``, ``del``, ``with``, ``yield`` or
  ``await``, no call but to the side-effect-free built-ins and methods
  listed below, no operation that can raise (a subscript, ``/``, ``%``,
  ``**``, a method such as ``pop``) on a value the body changes (one on
  values it does not change gives the same answer every turn).

"Never changes" counts rebinding a name (any assignment, ``for`` or walrus
target) and changing an object in place (a mutating method, a subscript
store, ``+=``) through any name that may share the object: names linked
anywhere in the function by an assignment, a loop target, ``a.append(b)`` or
``a[k] = b`` share.  Names that only ever hold a number or a string (``i =
0``, ``total += x``) share nothing.  Parameters hold separate objects (the
inputs are literals).  Generators and coroutines are left out (an endless
generator is a normal thing), and values are taken to behave as built-in
ones do (operators without side effects).  The loop's first test may be
false: the warning says the loop never ends *once entered*.

**The imagined run shows it** (:class:`cwm_lsp.analysis.cycles.CycleFinder`).  In a function with
no external inputs (:func:`cwm_lsp.analysis.closed_world.closed_world`), the next line event is decided by
the line and the locals alone, so an imagined trace that comes back to the
same line of a ``while`` loop with the same complete state, within one
activation of the function, would go round the same way for ever.
Iterator positions are the one state of such a function that its locals do
not show: a ``for`` loop's header moves it on, so a revisit after the
header of a ``for`` loop around the line ran is no evidence (``for c in
"aa"`` sees the same state twice), and a ``for`` header is never the line
revisited; ``for`` loops over finite sequences end.  Recursion never
revisits a state (the stack grows; Python ends it with a RecursionError).
A state is complete when every local's repr is a whole Python literal (or
``set()``, ``range(…)``, …): a cut repr (``…``) or ``<object at 0x…>``
hides what it holds.  Object identity (two names on one list) is not in
reprs; a function that tests ``is`` could in principle revisit a state
and still end.

A function has **no external inputs** when it reads nothing the imagined
state does not hold: every name it reads is its own local, a built-in
without hidden state (not ``input``, ``open``, ``id``, …), a function of
the file (itself checked), a module-level constant that is a literal of
immutable values, or one of the pure modules below (``math.floor``); no
``global`` or ``nonlocal``, no ``import`` of another module, no
``yield``/``await``; the same for every function of the file it may call.
Values of a closure (a nested def's free names) are outside its frame's
state, so a nested def that reads them has external inputs.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from cwm_lsp.analysis.ast_facts import (
    MUTATING_METHODS,
    PURE_METHODS,
    RISKY_CALLS,
    RISKY_METHODS,
    RISKY_MUTATING_METHODS,
    RISKY_OPERATORS,
    SAFE_CALLS,
    bound_in,
    module_level_names,
    names_in,
    nonlocal_in_nested,
    own_nodes,
    params_of,
    root_name_of,
    root_of,
    walk_expr,
)
from cwm_lsp.analysis.sharing import scalar_names, share_groups
from cwm_lsp.analysis.source_index import FunctionNode

EvidenceKind = Literal["cycle", "while-true", "unchanged-condition"]


@dataclass(frozen=True)
class Evidence:
    """Why a function may not terminate: what shows it, and the line it is on (1-based)."""

    kind: EvidenceKind
    line: int
    function: str

    def message(self, line: int | None = None) -> str:
        """The diagnostic text; ``line`` is the line as the reader numbers it."""
        shown = self.line if line is None else line
        if self.kind == "cycle":
            return f"may not terminate: the imagined run repeats line {shown} with the same state"
        if self.kind == "while-true":
            return "may not terminate: nothing in the body of this `while True` can end it"
        return (
            "may not terminate: the `while` condition reads only names the loop never changes"
            " (once entered, the loop never ends)"
        )


# ---------------------------------------------------------------------- the static rule


def endless_loops(
    node: FunctionNode, qualname: str = "", module: ast.Module | None = None
) -> list[Evidence]:
    """The ``while`` loops of ``node`` that never end once entered (see the module docstring).

    ``module``: the file, whose top-level names shadow built-ins."""
    if isinstance(node, ast.Lambda | ast.AsyncFunctionDef):
        return []
    own = list(own_nodes(node.body))
    if any(isinstance(n, ast.Yield | ast.YieldFrom | ast.Await) for n in own):
        return []
    declared = {name for n in own if isinstance(n, ast.Global | ast.Nonlocal) for name in n.names}
    declared |= nonlocal_in_nested(node)
    local = (params_of(node) | bound_in(own)) - declared
    shadowed = bound_in(own) | params_of(node) | (module_level_names(module) if module else set())
    scalars = scalar_names(node, own)
    groups = share_groups(own, scalars)
    found: list[Evidence] = []
    for loop in own:
        if not isinstance(loop, ast.While):
            continue
        if isinstance(loop.test, ast.Constant):
            if not loop.test.value:
                continue  # never entered
            kind: EvidenceKind = "while-true"
            reads: set[str] = set()
        else:
            condition = _condition_reads(loop.test, shadowed)
            if condition is None or not condition <= local:
                continue
            kind, reads = "unchanged-condition", condition
        body = _Body(shadowed)
        body.block(loop.body, own_loop=True)
        if body.exits:
            continue
        mutated = {shared for name in body.mutated for shared in groups.get(name, {name})}
        if reads & (body.rebound | mutated):
            continue
        if any(risky & body.varying(mutated) for risky in body.risky):
            continue
        found.append(Evidence(kind, loop.lineno, qualname or node.name))
    return found


class _Body:
    """What running a loop body can do: leave the loop, rebind or mutate names, raise."""

    def __init__(self, shadowed: set[str]) -> None:
        self.shadowed = shadowed
        self.exits = False
        self.rebound: set[str] = set()
        self.mutated: set[str] = set()
        #: names rebound other than by ``name = value`` (``+=``, a loop target, a walrus)
        self.volatile: set[str] = set()
        #: (names, the names the value reads) of each ``name = value`` (``a, b = value``)
        self.assigned: list[tuple[set[str], set[str]]] = []
        #: the names each operation that can raise reads
        self.risky: list[set[str]] = []

    def varying(self, mutated: set[str]) -> set[str]:
        """Names whose value can differ from one turn to the next (from the second on):
        those changed in place or rebound other than to a value of names that do not vary.
        ``mutated``: the names changed in place, with the names sharing their objects."""
        found = self.volatile | mutated
        grew = True
        while grew:
            grew = False
            for names, reads in self.assigned:
                if reads & found and not names <= found:
                    found |= names
                    grew = True
        return found

    def block(self, stmts: Sequence[ast.stmt], own_loop: bool) -> None:
        for stmt in stmts:
            self.stmt(stmt, own_loop)

    def stmt(self, stmt: ast.stmt, own_loop: bool) -> None:
        if isinstance(stmt, ast.Break):
            self.exits |= own_loop
        elif isinstance(stmt, ast.Continue | ast.Pass):
            pass
        elif isinstance(stmt, ast.For):
            self.target(stmt.target)
            self.volatile |= names_in(stmt.target)
            self.expr(stmt.iter)
            self.block(stmt.body, own_loop=False)
            self.block(stmt.orelse, own_loop)  # a break in a loop's else leaves the outer loop
        elif isinstance(stmt, ast.While):
            self.expr(stmt.test)
            self.block(stmt.body, own_loop=False)
            self.block(stmt.orelse, own_loop)
        elif isinstance(stmt, ast.If):
            self.expr(stmt.test)
            self.block(stmt.body, own_loop)
            self.block(stmt.orelse, own_loop)
        elif isinstance(stmt, ast.Try | ast.TryStar):
            self.block(stmt.body, own_loop)
            for handler in stmt.handlers:
                self.block(handler.body, own_loop)
            self.block(stmt.orelse, own_loop)
            self.block(stmt.finalbody, own_loop)
        elif isinstance(stmt, ast.Assign | ast.AnnAssign) and stmt.value is not None:
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            for target in targets:
                self.target(target)
                self.assigned.append((names_in(target), names_in(stmt.value)))
            self.expr(stmt.value)
        elif isinstance(stmt, ast.AugAssign):
            self.target(stmt.target)
            self.volatile |= names_in(stmt.target)
            if isinstance(stmt.target, ast.Name):
                self.mutated.add(stmt.target.id)  # ``+=`` changes a list in place
            if isinstance(stmt.op, RISKY_OPERATORS):
                self.risky.append(names_in(stmt.target) | names_in(stmt.value))
            self.expr(stmt.value)
        elif isinstance(stmt, ast.Expr):
            self.expr(stmt.value)
        else:
            # return, raise, assert, del, with, import, global, match, def, class, async
            self.exits = True

    def target(self, target: ast.expr) -> None:
        if isinstance(target, ast.Name):
            self.rebound.add(target.id)
        elif isinstance(target, ast.Tuple | ast.List):
            for element in target.elts:
                self.target(element)
        elif isinstance(target, ast.Starred):
            self.target(target.value)
        elif isinstance(target, ast.Subscript):
            root = root_name_of(target)
            if root is None:
                self.exits = True
                return
            self.mutated.add(root)
            self.risky.append(names_in(target))  # a list index out of range
            self.expr(target.value)
            self.expr(target.slice)
        else:
            self.exits = True  # an attribute store may run code

    def expr(self, expr: ast.expr) -> None:
        methods = set()  # the ``x.m`` of calls ``x.m(...)``: the call is judged as a whole
        for node in walk_expr(expr):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                methods.add(id(node.func))
            if isinstance(node, ast.Yield | ast.YieldFrom | ast.Await | ast.Lambda):
                self.exits = True
            elif isinstance(node, ast.NamedExpr):
                self.rebound.add(node.target.id)
                self.volatile.add(node.target.id)
            elif isinstance(node, ast.Call):
                self.call(node)
            elif isinstance(node, ast.BinOp) and isinstance(node.op, RISKY_OPERATORS):
                self.risky.append(names_in(node))
            elif isinstance(node, ast.Subscript) and not isinstance(node.slice, ast.Slice):
                self.risky.append(names_in(node))  # a missing key, an index out of range
            elif isinstance(node, ast.Attribute) and id(node) not in methods:
                self.risky.append(names_in(node))  # a value whose type changed has no such field

    def call(self, node: ast.Call) -> None:
        func = node.func
        if any(k.arg == "key" or k.arg is None for k in node.keywords):
            self.exits = True  # it calls a function of the file
            return
        if isinstance(func, ast.Name) and func.id not in self.shadowed:
            if func.id in SAFE_CALLS:
                return
            if func.id in RISKY_CALLS:
                self.risky.append(names_in(node))
                return
        if isinstance(func, ast.Attribute):
            root = root_of(func.value)
            owner = root.id if isinstance(root, ast.Name) else None
            method = func.attr
            if owner is None and not isinstance(root, ast.Constant):
                self.exits = True  # a method of a value the loop makes: judged no further
            elif method in PURE_METHODS:
                return
            elif method in MUTATING_METHODS:
                if owner is not None:
                    self.mutated.add(owner)
                return
            elif method in RISKY_METHODS | RISKY_MUTATING_METHODS:
                if method in RISKY_MUTATING_METHODS and owner is not None:
                    self.mutated.add(owner)
                self.risky.append(names_in(node))
                return
        self.exits = True  # anything else may raise to leave, or end the program


def _condition_reads(test: ast.expr, shadowed: set[str]) -> set[str] | None:
    """The names a side-effect-free condition reads; None when it may do more."""
    reads: set[str] = set()
    callees: set[int] = set()
    for node in ast.walk(test):
        if isinstance(node, ast.Call):
            func = node.func
            if node.keywords:
                return None
            if isinstance(func, ast.Name):
                if func.id in shadowed or func.id not in SAFE_CALLS | RISKY_CALLS:
                    return None
                callees.add(id(func))
            elif not (isinstance(func, ast.Attribute) and func.attr in PURE_METHODS):
                return None
        elif isinstance(node, ast.Name):
            if id(node) not in callees:
                reads.add(node.id)
        elif not isinstance(node, _CONDITION_NODES):
            return None
    return reads


_CONDITION_NODES = (
    ast.Constant,
    ast.BoolOp,
    ast.BinOp,
    ast.UnaryOp,
    ast.Compare,
    ast.IfExp,
    ast.Subscript,
    ast.Slice,
    ast.Attribute,
    ast.Tuple,
    ast.List,
    ast.Set,
    ast.Dict,
    ast.JoinedStr,
    ast.FormattedValue,
    ast.expr_context,
    ast.operator,
    ast.boolop,
    ast.unaryop,
    ast.cmpop,
)
