"""What a loop condition or a statement certainly does on a state of literal values.

Used to tell a real cycle of an imagined run from the model's own mistake: a
``while`` test that is false in the state the run went round in, or a single
statement that always changes the state (``items.pop()``, ``n += 1``), cannot
come back to the same state.  Values are read from their reprs with
:func:`ast.literal_eval`; only comparisons, ``in``, ``not``/``and``/``or``,
arithmetic on numbers, subscripts of literal containers and ``len`` are
evaluated.  Nothing of the file runs; anything else is :data:`UNKNOWN`.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from typing import Any

UNKNOWN: Any = object()
#: the evaluation raised: in the real run the test raises, so the loop ends there
RAISES: Any = object()

_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}
_ARITHMETIC: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
}
#: methods that change their object whenever they return (or raise)
_ALWAYS_CHANGE = frozenset({"append", "insert", "pop", "remove", "popitem"})


class _Unknown(Exception):
    pass


def truth(test: ast.expr, state: Mapping[str, str]) -> bool | Any:
    """``bool(test)`` in ``state``; :data:`UNKNOWN`, or :data:`RAISES` when it would raise."""
    try:
        return bool(_eval(test, state))
    except _Unknown:
        return UNKNOWN
    except (ArithmeticError, LookupError, TypeError, ValueError):
        return RAISES


def assigned(stmt: ast.stmt, state: Mapping[str, str]) -> tuple[str, Any] | None:
    """``(name, value)`` a plain assignment certainly gives in ``state`` (``b = b[1:]``,
    ``n += 2``); None when it cannot be said."""
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        target, value_node = stmt.targets[0], stmt.value
    elif isinstance(stmt, ast.AugAssign):
        target = stmt.target
        value_node = ast.BinOp(
            left=ast.Name(id=getattr(target, "id", ""), ctx=ast.Load()),
            op=stmt.op,
            right=stmt.value,
        )
    else:
        return None
    if not isinstance(target, ast.Name):
        return None
    try:
        return target.id, _eval(value_node, state)
    except (_Unknown, ArithmeticError, LookupError, TypeError, ValueError):
        return None


def literal(text: str | None) -> Any:
    """The value a repr shows, or :data:`UNKNOWN`."""
    return _literal(text)


def always_changes(stmt: ast.stmt, state: Mapping[str, str]) -> bool:
    """Does running ``stmt`` in ``state`` certainly change a local's value (or raise)?

    Only changes that cannot undo one another when repeated: a list or dict that
    grows or shrinks, a number stepped by a constant, and ``clear`` of a non-empty one.
    """
    if isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name):
        if isinstance(stmt.op, ast.Add | ast.Sub) and isinstance(stmt.value, ast.Constant):
            step = stmt.value.value
            current = _literal(state.get(stmt.target.id))
            numbers = (int, float)
            return (
                isinstance(step, numbers)
                and not isinstance(step, bool)
                and step != 0
                and isinstance(current, numbers)
            )
        return False
    if not isinstance(stmt, ast.Expr) or not isinstance(stmt.value, ast.Call):
        return False
    call = stmt.value
    func = call.func
    if not isinstance(func, ast.Attribute) or not isinstance(func.value, ast.Name):
        return False
    if any(isinstance(n, ast.Call) for arg in call.args for n in ast.walk(arg)):
        return False  # q.append(q.pop(0)): the argument changes the object too
    target = _literal(state.get(func.value.id))
    if func.attr in _ALWAYS_CHANGE:
        return isinstance(target, list | dict) and not (func.attr == "popitem" and not target)
    if func.attr == "clear":
        return isinstance(target, list | dict | set) and bool(target)
    return False


def _literal(text: str | None) -> Any:
    if text is None:
        return UNKNOWN
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return UNKNOWN


def _eval(node: ast.expr, state: Mapping[str, str]) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        if node.id in state:
            value = _literal(state[node.id])
            if value is UNKNOWN:
                raise _Unknown
            return value
        raise _Unknown
    if isinstance(node, ast.BoolOp):
        values = [_eval(v, state) for v in node.values]
        if isinstance(node.op, ast.And):
            return all(values)
        return any(values)
    if isinstance(node, ast.UnaryOp):
        operand = _eval(node.operand, state)
        if isinstance(node.op, ast.Not):
            return not operand
        if isinstance(node.op, ast.USub) and isinstance(operand, int | float):
            return -operand
        raise _Unknown
    if isinstance(node, ast.Compare):
        left = _eval(node.left, state)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = _eval(right_node, state)
            compare = _COMPARE.get(type(op))
            if compare is None or not compare(left, right):
                if compare is None:
                    raise _Unknown
                return False
            left = right
        return True
    if isinstance(node, ast.BinOp):
        left, right = _eval(node.left, state), _eval(node.right, state)
        arithmetic = _ARITHMETIC.get(type(node.op))
        numbers = (int, float)
        if arithmetic is None or not (isinstance(left, numbers) and isinstance(right, numbers)):
            raise _Unknown
        return arithmetic(left, right)
    if isinstance(node, ast.Subscript):
        container = _eval(node.value, state)
        if not isinstance(container, list | tuple | str | dict):
            raise _Unknown
        if isinstance(node.slice, ast.Slice):
            parts = [
                None if p is None else _eval(p, state)
                for p in (node.slice.lower, node.slice.upper, node.slice.step)
            ]
            if isinstance(container, dict):
                raise _Unknown
            return container[slice(*parts)]
        return container[_eval(node.slice, state)]
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "len"
        and node.func.id not in state
        and len(node.args) == 1
        and not node.keywords
    ):
        value = _eval(node.args[0], state)
        if not isinstance(value, list | tuple | str | dict | set | frozenset):
            raise _Unknown
        return len(value)
    raise _Unknown
