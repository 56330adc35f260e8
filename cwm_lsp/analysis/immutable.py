"""Whether a value, given as its repr, is immutable: a line that only reads it cannot change it.

An int, float, complex, bool, None, str or bytes, and a tuple or frozenset of
such, has no method that changes it in place, so a statement that mentions a
name holding one without binding it leaves the name's value as it was.  The
repr is parsed with ``ast`` (never evaluated); anything not recognised, a
repr cut with an ellipsis included, counts as possibly mutable.
"""

from __future__ import annotations

import ast

_SCALARS = (int, float, complex, bool, str, bytes, type(None))


def is_immutable_repr(text: str) -> bool:
    """True when ``text`` is the repr of an immutable value (see the module docstring)."""
    try:
        node = ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError):
        return False
    try:
        return _immutable(node)
    except RecursionError:
        return False


def _immutable(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, _SCALARS)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        return _number(node.operand)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub):
        return _number(node.left) and _number(node.right)  # complex: (1+2j)
    if isinstance(node, ast.Tuple):
        return all(_immutable(e) for e in node.elts)
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "frozenset"
        and not node.keywords
        and len(node.args) <= 1
    ):
        if not node.args:
            return True
        (items,) = node.args
        return isinstance(items, ast.Set) and all(_immutable(e) for e in items.elts)
    return False


def _number(node: ast.expr) -> bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        node = node.operand
    return isinstance(node, ast.Constant) and isinstance(node.value, int | float | complex)
