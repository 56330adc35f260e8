"""Which locals a line can change: the names its statement mentions, and their aliases.

A statement can rebind the names it assigns and mutate the objects of the
names it mentions (``out.append(x)``, ``nums.sort()``).  A local it does not
mention keeps its value, unless it shares its object with one that is
mentioned: ``view = nums`` makes ``view`` change with ``nums.append(1)``.
Aliases are taken from the function's plain ``a = b`` assignments (in both
directions, transitively), which is where CRUXEval-style code makes them.

A name a statement only reads (it binds it nowhere: no assignment, ``for``
or ``with`` target, walrus, ``del`` or import) can change only through its
object; when that object is immutable (:mod:`cwm_lsp.analysis.immutable`),
it cannot change at all.  :meth:`LineEffects.read_only` gives those names; a
name some nested function declares ``nonlocal`` is never read-only.

In a method, the receiver's attributes are locals of their own
(``self.items``, :mod:`cwm_lsp.analysis.receivers`): a line changes the
fields it names (``self.items[k] = v``, ``self.n += 1``), ``x = self.items``
makes ``x`` an alias, and a method called on ``self`` or ``self`` passed on
may change every field; ``self`` itself never changes.

The generic prompt format offers the model only these names when it writes
what changed at a line; everything else stays as it was.
"""

from __future__ import annotations

import ast
import builtins

from cwm_lsp.analysis.flow import header_lines

_CALLING = (
    ast.Call,
    ast.Lambda,
    ast.ListComp,
    ast.SetComp,
    ast.DictComp,
    ast.GeneratorExp,
    ast.Await,
    ast.Yield,
    ast.YieldFrom,
)


class LineEffects:
    """Names each line of one function can change."""

    def __init__(
        self,
        node: ast.FunctionDef | ast.AsyncFunctionDef,
        file_functions: frozenset[str] | None = None,
        generators: bool = True,
        receiver: tuple[str, tuple[str, ...]] | None = None,
    ) -> None:
        """``file_functions``: names of the file's functions (None: unknown, any call
        may reach them); ``generators``: whether the file defines generator functions;
        ``receiver``: a method's receiver parameter and its class's attributes (see
        :func:`receiver_effects`)."""
        self._names: dict[int, set[str]] = {}
        self._bound: dict[int, set[str]] = {}
        self._calls: set[int] = set()
        self._aliases = aliases(node, receiver[0] if receiver else None)
        self._nonlocal = _nonlocal_names(node)
        for stmt in statements(node.body):
            own = header_lines(stmt)
            nodes = [n for part in _own_parts(stmt) for n in ast.walk(part)]
            mentioned = {n.id for n in nodes if isinstance(n, ast.Name)}
            bound = {
                n.id for n in nodes if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)
            }
            bound |= _bound_names(stmt)
            mentioned |= bound
            if receiver is not None:
                fields, rebound = receiver_effects(nodes, *receiver)
                if receiver[0] not in bound:
                    mentioned.discard(receiver[0])  # the instance stays itself
                mentioned |= fields
                bound |= rebound
            for line in own:
                self._names.setdefault(line, set()).update(mentioned)
                self._bound.setdefault(line, set()).update(bound)
            if _may_start_frame(stmt, nodes, file_functions, generators):
                self._calls.update(own)

    def may_call(self, line: int) -> bool:
        """Can code of the file run in a new frame from ``line`` (a call, a lambda, a
        comprehension, the next item of a generator)?  Operators on instances of the
        file's classes call too: callers check for classes themselves."""
        return line in self._calls or line not in self._names

    def changes(self, line: int) -> frozenset[str] | None:
        """Names the statement on ``line`` can change; None when the line is unknown."""
        names = self._names.get(line)
        if names is None:
            return None
        out = set(names)
        for name in names:
            out |= self._aliases.get(name, set())
        return frozenset(out)

    def read_only(self, line: int) -> frozenset[str]:
        """Names the statement on ``line`` mentions but can only read, never rebind."""
        names = self._names.get(line)
        if names is None:
            return frozenset()
        return frozenset(names - self._bound.get(line, set()) - self._nonlocal)


def _nonlocal_names(node: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    """Names a function nested in ``node`` declares ``nonlocal`` (a call can rebind them)."""
    return {name for n in ast.walk(node) if isinstance(n, ast.Nonlocal) for name in n.names}


def _may_start_frame(
    stmt: ast.stmt,
    nodes: list[ast.AST],
    file_functions: frozenset[str] | None,
    generators: bool,
) -> bool:
    """Can running ``stmt``'s own code enter a frame of the file's code?"""
    if isinstance(stmt, ast.For | ast.AsyncFor) and generators:
        return True  # the next item of a generator runs its frame
    if isinstance(stmt, ast.With | ast.AsyncWith):
        return True  # __enter__/__exit__ of a context manager the file may define
    for n in nodes:
        if isinstance(n, _CALLING) and not isinstance(n, ast.Call):
            return True  # lambdas, comprehensions, yield, await
        if file_functions is None:
            if isinstance(n, ast.Call):
                return True
            continue
        if isinstance(n, ast.Name) and n.id in file_functions:
            return True  # called, or passed along to be called
        calls_a_name = isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
        if calls_a_name and not hasattr(builtins, n.func.id):  # type: ignore[attr-defined]
            return True  # a local or a parameter holding a callable
    return False


def statements(body: list[ast.stmt]) -> list[ast.stmt]:
    """Every statement of a function body, nested blocks included (not nested functions)."""
    out: list[ast.stmt] = []
    for stmt in body:
        out.append(stmt)
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        for field in ("body", "orelse", "finalbody"):
            out += statements(getattr(stmt, field, None) or [])
        for handler in getattr(stmt, "handlers", None) or []:
            out += statements(handler.body)
        for case in getattr(stmt, "cases", None) or []:
            out += statements(case.body)
    return out


def _own_parts(stmt: ast.stmt) -> list[ast.AST]:
    """The parts of a statement that run on its own lines (a compound one: its header)."""
    if isinstance(stmt, ast.If | ast.While):
        return [stmt.test]
    if isinstance(stmt, ast.For | ast.AsyncFor):
        return [stmt.target, stmt.iter]
    if isinstance(stmt, ast.With | ast.AsyncWith):
        return list(stmt.items)
    if isinstance(stmt, ast.Try | ast.TryStar):
        return []
    if isinstance(stmt, ast.Match):
        return [stmt.subject]
    if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return list(stmt.decorator_list)
    return [stmt]


def _bound_names(stmt: ast.stmt) -> set[str]:
    if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return {stmt.name}
    if isinstance(stmt, ast.Import | ast.ImportFrom):
        return {(a.asname or a.name).split(".")[0] for a in stmt.names}
    return set()


def receiver_effects(
    nodes: list[ast.AST], param: str, attributes: tuple[str, ...]
) -> tuple[set[str], set[str]]:
    """(receiver fields a statement's nodes can change, those it can rebind).

    ``self.items[k] = v`` and ``self.items.append(x)`` change ``self.items``
    (through its object); ``self.total = 0`` and ``self.n += 1`` rebind
    ``self.total`` and ``self.n``; a method call on ``self`` or ``self``
    passed anywhere may rebind every field.
    """
    fields = {a: f"{param}.{a}" for a in attributes}
    mentioned: set[str] = set()
    rebound: set[str] = set()
    bases: set[int] = set()
    for n in nodes:
        if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == param:
            bases.add(id(n.value))
            name = fields.get(n.attr)
            if name is None:  # a method or an unknown attribute: anything may change
                mentioned |= set(fields.values())
                rebound |= set(fields.values())
                continue
            mentioned.add(name)
            if not isinstance(n.ctx, ast.Load):
                rebound.add(name)
    for n in nodes:
        if isinstance(n, ast.Name) and n.id == param and id(n) not in bases:
            mentioned |= set(fields.values())  # the instance passed on
            rebound |= set(fields.values())
    return mentioned, rebound


def aliases(
    node: ast.FunctionDef | ast.AsyncFunctionDef, receiver: str | None = None
) -> dict[str, set[str]]:
    """name -> names that may share its object (from ``a = b`` statements, transitively;
    with a ``receiver``, ``a = self.items`` too)."""
    pairs: list[tuple[str, str]] = []
    for n in ast.walk(node):
        if isinstance(n, ast.Assign) and isinstance(n.value, ast.Name):
            pairs += [(t.id, n.value.id) for t in n.targets if isinstance(t, ast.Name)]
        elif (
            receiver is not None
            and isinstance(n, ast.Assign)
            and isinstance(n.value, ast.Attribute)
            and isinstance(n.value.value, ast.Name)
            and n.value.value.id == receiver
        ):
            field = f"{receiver}.{n.value.attr}"
            pairs += [(t.id, field) for t in n.targets if isinstance(t, ast.Name)]
        elif isinstance(n, ast.NamedExpr) and isinstance(n.value, ast.Name):
            pairs.append((n.target.id, n.value.id))
    groups: dict[str, set[str]] = {}
    for a, b in pairs:
        group = groups.get(a, {a}) | groups.get(b, {b})
        for name in group:
            groups[name] = group
    return {name: group - {name} for name, group in groups.items()}
