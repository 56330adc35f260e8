"""Exceptions Python's own arithmetic makes certain, read off a line and the state.

At ``return a / zero`` with ``a = 7`` and ``zero = 0`` in the state, the next
event can only be ``ZeroDivisionError('division by zero')``: nothing the
model writes can change that.  The generic prompt format then writes that
exception frame itself, as it writes a loop's next item from the state.

Only statements made entirely of arithmetic on numbers qualify: names whose
value in the state is an ``int``, ``float`` or ``bool`` literal, numeric
constants, ``+ - * / // %``, unary signs, ``not``, comparisons, ``and``/``or``
and ``x if c else y``.  Nothing else can run or raise first (no call,
attribute, subscript or power), so the outcome is Python's arithmetic on
those numbers.  The values are the model's predictions parsed with
``ast.literal_eval``; no code of the file runs.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from cwm_lsp.analysis.effects import statements

Number = int | float | bool

_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
}
_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], bool]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}
#: digits beyond which a value is not worth the arithmetic (the model's runaway numbers)
_MAX_DIGITS = 400


class _Unknown(Exception):
    """The outcome is not certain from the state alone."""


class CertainFaults:
    """For each line of one function: the arithmetic its statement evaluates there."""

    def __init__(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self._parts: dict[int, _Statement] = {}
        for stmt in statements(node.body):
            found = _evaluated(stmt)
            if found is not None and all(_arithmetic(part) for part in found.parts):
                self._parts[stmt.lineno] = found
        #: lines whose statement is plain arithmetic (where an exception can be certain)
        self.lines = frozenset(self._parts)

    def at(self, line: int, state: Mapping[str, str]) -> str | None:
        """The repr of the exception that running ``line`` from ``state`` raises for certain.

        None when the line is not plain arithmetic, a name's value is not a
        number, or the arithmetic does not raise.
        """
        statement = self._parts.get(line)
        if statement is None:
            return None
        try:
            values = {name: _number(state.get(name)) for name in statement.names}
            if statement.augmented is not None:
                op, target, value = statement.augmented
                op(values[target], _evaluate(value, values))
            else:
                for part in statement.parts:
                    _evaluate(part, values)
        except (ZeroDivisionError, OverflowError) as exc:
            return repr(exc)
        except _Unknown:
            return None
        return None


@dataclass(frozen=True)
class _Statement:
    #: the expressions the statement evaluates at its first line
    parts: list[ast.expr]
    #: the names they read (an augmented assignment's target too)
    names: set[str]
    #: ``x op= value``: (the operator, x, value)
    augmented: tuple[Callable[[Any, Any], Any], str, ast.expr] | None = None


def _evaluated(stmt: ast.stmt) -> _Statement | None:
    """What ``stmt`` evaluates at its first line, when that is only expressions."""
    parts: list[ast.expr]
    augmented = None
    if isinstance(stmt, ast.Assign | ast.AnnAssign | ast.Return | ast.Expr) and stmt.value:
        parts = [stmt.value]  # evaluated before any target is touched
    elif isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name):
        op = _BINARY.get(type(stmt.op))
        if op is None:
            return None
        parts = [stmt.value]
        augmented = (op, stmt.target.id, stmt.value)
    elif isinstance(stmt, ast.If | ast.While):
        parts = [stmt.test]
    else:
        return None
    names = {n.id for part in parts for n in ast.walk(part) if isinstance(n, ast.Name)}
    if augmented is not None:
        names.add(augmented[1])
    return _Statement(parts, names, augmented)


def _arithmetic(node: ast.expr) -> bool:
    """Whether ``node`` is built only of what :func:`_evaluate` knows."""
    if isinstance(node, ast.Constant):
        return type(node.value) in (int, float, bool)
    if isinstance(node, ast.Name):
        return True
    if isinstance(node, ast.UnaryOp):
        return isinstance(node.op, ast.USub | ast.UAdd | ast.Not) and _arithmetic(node.operand)
    if isinstance(node, ast.BinOp):
        return type(node.op) in _BINARY and _arithmetic(node.left) and _arithmetic(node.right)
    if isinstance(node, ast.Compare):
        return all(type(op) in _COMPARE for op in node.ops) and all(
            _arithmetic(part) for part in (node.left, *node.comparators)
        )
    if isinstance(node, ast.BoolOp):
        return all(_arithmetic(value) for value in node.values)
    if isinstance(node, ast.IfExp):
        return _arithmetic(node.test) and _arithmetic(node.body) and _arithmetic(node.orelse)
    return False


def _number(text: str | None) -> Number:
    if text is None or len(text) > _MAX_DIGITS:
        raise _Unknown
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        raise _Unknown from None
    if type(value) not in (int, float, bool):
        raise _Unknown
    return value  # type: ignore[no-any-return]


def _evaluate(node: ast.expr, values: Mapping[str, Number]) -> Any:
    """Python's evaluation of an :func:`_arithmetic` expression, in Python's order."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return values[node.id]
    if isinstance(node, ast.UnaryOp):
        operand = _evaluate(node.operand, values)
        if isinstance(node.op, ast.Not):
            return not operand
        return -operand if isinstance(node.op, ast.USub) else +operand
    if isinstance(node, ast.BinOp):
        left = _evaluate(node.left, values)
        right = _evaluate(node.right, values)
        result = _BINARY[type(node.op)](left, right)
        if isinstance(result, int) and result.bit_length() > _MAX_DIGITS * 4:
            raise _Unknown  # a runaway product: not worth following
        return result
    if isinstance(node, ast.Compare):
        left = _evaluate(node.left, values)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = _evaluate(comparator, values)
            if not _COMPARE[type(op)](left, right):
                return False
            left = right
        return True
    if isinstance(node, ast.BoolOp):
        result = None
        for value in node.values:
            result = _evaluate(value, values)
            if isinstance(node.op, ast.And) and not result:
                return result
            if isinstance(node.op, ast.Or) and result:
                return result
        return result
    if isinstance(node, ast.IfExp):
        branch = node.body if _evaluate(node.test, values) else node.orelse
        return _evaluate(branch, values)
    raise _Unknown
