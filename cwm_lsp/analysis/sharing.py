"""Which names of a function may share an object, and which only ever hold a number or a
string (they share nothing): what the termination rule counts as a change through an alias."""

from __future__ import annotations

import ast
from collections.abc import Sequence

from cwm_lsp.analysis.ast_facts import (
    names_in,
    params_of,
    root_name_of,
    words,
)


def share_groups(own: Sequence[ast.AST], scalars: set[str]) -> dict[str, set[str]]:
    """name -> the names that may share an object with it (itself included)."""
    links: list[tuple[str, set[str]]] = []
    for node in own:
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for name in names_in(target):
                    links.append((name, names_in(node.value) | (names_in(target) - {name})))
        elif isinstance(node, ast.For | ast.AsyncFor | ast.comprehension):
            for name in names_in(node.target):
                links.append((name, names_in(node.iter)))
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            for name in names_in(node.optional_vars):
                links.append((name, names_in(node.context_expr)))
        elif isinstance(node, ast.NamedExpr):
            links.append((node.target.id, names_in(node.value)))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            root = root_name_of(node.func.value)
            if root is not None:
                passed = [*node.args, *(k.value for k in node.keywords)]
                links.append((root, {n for a in passed for n in names_in(a)}))
    parent: dict[str, str] = {}

    def find(name: str) -> str:
        while parent.setdefault(name, name) != name:
            name = parent[name]
        return name

    for name, others in links:
        if name in scalars:
            continue
        for other in others - scalars:
            parent[find(other)] = find(name)
    groups: dict[str, set[str]] = {}
    for name in list(parent):
        groups.setdefault(find(name), set()).add(name)
    return {name: groups[find(name)] for name in parent}


def scalar_names(node: ast.FunctionDef, own: Sequence[ast.AST]) -> set[str]:
    """Locals that only ever hold a number, a string or a bool: they share nothing.

    A name qualifies when it is no parameter and each binding of it is ``+=``
    and the like, or an assignment (or ``for`` over ``range`` or a string
    name) of a value built from constants, such names, operators and
    built-ins that return numbers or strings."""
    bindings: dict[str, list[ast.expr | None]] = {}
    for child in own:
        if isinstance(child, ast.Assign):
            for target in child.targets:
                for name in names_in(target):
                    bindings.setdefault(name, []).append(
                        child.value if isinstance(target, ast.Name) else None
                    )
        elif isinstance(child, ast.AugAssign) and isinstance(child.target, ast.Name):
            bindings.setdefault(child.target.id, [])
        elif isinstance(child, ast.For) and isinstance(child.target, ast.Name):
            iterable = child.iter
            is_range = (
                isinstance(iterable, ast.Call)
                and isinstance(iterable.func, ast.Name)
                and iterable.func.id == "range"
            )
            bindings.setdefault(child.target.id, []).append(ast.Constant(0) if is_range else None)
    handled = {
        id(target)
        for child in own
        if isinstance(child, ast.Assign | ast.AugAssign | ast.For)
        for target in (child.targets if isinstance(child, ast.Assign) else [child.target])
    }
    stored = [n for n in own if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)]
    for name_node in stored:
        if id(name_node) not in handled:
            bindings.setdefault(name_node.id, []).append(None)  # a walrus, a tuple target, del
    scalars = {name for name in bindings if name not in params_of(node)}
    changed = True
    while changed:
        changed = False
        for name in list(scalars):
            values = bindings[name]
            if not all(v is not None and scalar_expr(v, scalars) for v in values):
                scalars.discard(name)
                changed = True
    return scalars


SCALAR_CALLS = words("len int float str bool abs ord chr round hash repr ascii bin hex oct")
SCALAR_METHODS = words(
    "count index rindex find rfind startswith endswith upper lower strip lstrip rstrip "
    "replace join format title capitalize casefold swapcase center ljust rjust zfill "
    "removeprefix removesuffix isdigit isalpha isalnum isspace isupper islower"
)


def scalar_expr(expr: ast.expr, scalars: set[str]) -> bool:
    if isinstance(expr, ast.Constant):
        return isinstance(expr.value, int | float | complex | str | bytes | bool | type(None))
    if isinstance(expr, ast.Name):
        return expr.id in scalars
    if isinstance(expr, ast.BinOp):
        return scalar_expr(expr.left, scalars) and scalar_expr(expr.right, scalars)
    if isinstance(expr, ast.UnaryOp):
        return isinstance(expr.op, ast.Not) or scalar_expr(expr.operand, scalars)
    if isinstance(expr, ast.Compare | ast.JoinedStr):
        return True
    if isinstance(expr, ast.BoolOp):
        return all(scalar_expr(v, scalars) for v in expr.values)
    if isinstance(expr, ast.IfExp):
        return scalar_expr(expr.body, scalars) and scalar_expr(expr.orelse, scalars)
    if isinstance(expr, ast.Call):
        func = expr.func
        if isinstance(func, ast.Name):
            return func.id in SCALAR_CALLS
        return isinstance(func, ast.Attribute) and func.attr in SCALAR_METHODS
    return False
