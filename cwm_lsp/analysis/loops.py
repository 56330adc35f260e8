"""``for`` loops over values the trace already states: the items come from the state.

When a ``for`` header runs over a local whose value the imagined trace
already holds as a literal (``for ch in text``, ``for i in range(len(nums))``,
``for k, v in d.items()``), which item comes next, and when the loop ends,
follows from that value: the model is not asked to guess them.  Nothing of
the user's code runs: the value is the trace's own text, read with
``ast.literal_eval``, and only ``range``, ``len``, ``enumerate``,
``reversed`` and the dict views are understood.  A loop whose body mentions
the iterated name (it may change it), or whose iterable is anything else, is
left to the model.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cwm_lsp.analysis.effects import aliases

#: loops longer than this are left to the model (and the frame cap)
MAX_ITEMS = 10_000


@dataclass(frozen=True)
class LoopInfo:
    header: int
    end: int
    #: names bound by the target (a Name or a tuple of Names)
    targets: tuple[str, ...]
    #: ``None`` when the target is a single name
    unpack: bool
    iterable: ast.expr
    #: names the iterable reads: the body must not mention them
    reads: frozenset[str]


def find_loops(node: ast.FunctionDef | ast.AsyncFunctionDef) -> dict[int, LoopInfo]:
    """header line -> the ``for`` loops whose items can be read off the state."""
    found: dict[int, LoopInfo] = {}
    aliased = frozenset(aliases(node))  # names that may share an object with another
    for stmt in ast.walk(node):
        if not isinstance(stmt, ast.For) or stmt.orelse:
            continue
        targets = _target_names(stmt.target)
        if targets is None:
            continue
        reads = frozenset(n.id for n in ast.walk(stmt.iter) if isinstance(n, ast.Name))
        if reads & set(targets) or reads & aliased:
            continue
        if any(_may_change(name, stmt.body) for name in reads):
            continue  # the body may change what is iterated
        found[stmt.lineno] = LoopInfo(
            header=stmt.lineno,
            end=stmt.end_lineno or stmt.lineno,
            targets=targets,
            unpack=isinstance(stmt.target, ast.Tuple),
            iterable=stmt.iter,
            reads=reads,
        )
    return found


#: methods that do not change the object they are called on (str, list, dict, tuple)
SAFE_METHODS = frozenset(
    [
        "count",
        "index",
        "copy",
        "get",
        "keys",
        "values",
        "items",
        "startswith",
        "endswith",
        "find",
        "rfind",
        "rindex",
        "upper",
        "lower",
        "strip",
        "lstrip",
        "rstrip",
        "split",
        "rsplit",
        "splitlines",
        "replace",
        "join",
        "format",
        "isdigit",
        "isalpha",
        "isalnum",
        "isspace",
        "isupper",
        "islower",
        "istitle",
        "isdecimal",
        "isnumeric",
        "isidentifier",
        "isprintable",
        "title",
        "capitalize",
        "casefold",
        "swapcase",
        "center",
        "ljust",
        "rjust",
        "zfill",
        "partition",
        "rpartition",
        "encode",
        "decode",
        "translate",
        "expandtabs",
        "removeprefix",
        "removesuffix",
    ]
)
#: builtins that do not change their arguments
SAFE_FUNCTIONS = frozenset(
    [
        "len",
        "sum",
        "min",
        "max",
        "sorted",
        "str",
        "repr",
        "list",
        "tuple",
        "set",
        "frozenset",
        "dict",
        "enumerate",
        "zip",
        "range",
        "print",
        "isinstance",
        "abs",
        "any",
        "all",
        "reversed",
        "int",
        "float",
        "bool",
        "ord",
        "chr",
        "hash",
        "type",
        "round",
        "divmod",
        "pow",
        "format",
        "bin",
        "hex",
        "oct",
    ]
)


def _root(expr: ast.expr) -> ast.expr:
    while isinstance(expr, ast.Attribute | ast.Subscript):
        expr = expr.value
    return expr


def _is(expr: ast.AST, name: str) -> bool:
    return isinstance(expr, ast.Name) and expr.id == name


def _may_change(name: str, body: list[ast.stmt]) -> bool:
    """Can running ``body`` change the object ``name`` refers to (or rebind it)?"""
    for stmt in body:
        for n in ast.walk(stmt):
            if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
                if any(_is(m, name) for m in ast.walk(n)):
                    return True
            elif isinstance(n, ast.Name) and n.id == name and not isinstance(n.ctx, ast.Load):
                return True
            elif isinstance(n, ast.Attribute | ast.Subscript) and not isinstance(n.ctx, ast.Load):
                if _is(_root(n), name):
                    return True
            elif isinstance(n, ast.Call):
                func = n.func
                on_name = isinstance(func, ast.Attribute) and _is(func.value, name)
                if on_name and func.attr not in SAFE_METHODS:  # type: ignore[attr-defined]
                    return True
                passed = [*n.args, *(k.value for k in n.keywords)]
                if any(_is(_root(a), name) for a in passed if isinstance(a, ast.expr)):
                    safe = (isinstance(func, ast.Name) and func.id in SAFE_FUNCTIONS) or (
                        isinstance(func, ast.Attribute) and func.attr in SAFE_METHODS
                    )
                    if not safe:
                        return True
    return False


def _target_names(target: ast.expr) -> tuple[str, ...] | None:
    if isinstance(target, ast.Name):
        return (target.id,)
    if isinstance(target, ast.Tuple) and all(isinstance(e, ast.Name) for e in target.elts):
        return tuple(e.id for e in target.elts)  # type: ignore[attr-defined]
    return None


class _Unknown(Exception):
    pass


def items(loop: LoopInfo, state: Mapping[str, str]) -> list[Any] | None:
    """The items the loop runs over, from the state when it started (None: unknown)."""
    try:
        found = list(_iterate(loop.iterable, state))
    except (_Unknown, ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None
    if len(found) > MAX_ITEMS:
        return None
    return found


def _value(expr: ast.expr, state: Mapping[str, str]) -> Any:
    if isinstance(expr, ast.Constant) and isinstance(expr.value, int | str):
        return expr.value
    if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.USub):
        return -_value(expr.operand, state)
    if isinstance(expr, ast.Name):
        text = state.get(expr.id)
        if text is None:
            raise _Unknown
        return ast.literal_eval(text)
    if isinstance(expr, ast.Call) and _call_name(expr) == "len" and len(expr.args) == 1:
        return len(_value(expr.args[0], state))
    raise _Unknown


def _call_name(expr: ast.Call) -> str | None:
    return expr.func.id if isinstance(expr.func, ast.Name) and not expr.keywords else None


def _iterate(expr: ast.expr, state: Mapping[str, str]) -> Sequence[Any]:
    if isinstance(expr, ast.Call):
        name = _call_name(expr)
        if name == "range" and 1 <= len(expr.args) <= 3:
            bounds = [_value(a, state) for a in expr.args]
            if not all(isinstance(b, int) and not isinstance(b, bool) for b in bounds):
                raise _Unknown
            span = range(*bounds)
            if len(span) > MAX_ITEMS:
                raise _Unknown
            return list(span)
        if name == "enumerate" and len(expr.args) == 1:
            return list(enumerate(_iterate(expr.args[0], state)))
        if name == "reversed" and len(expr.args) == 1:
            inner = _value(expr.args[0], state)
            if not isinstance(inner, list | tuple | str | range):
                raise _Unknown
            return list(reversed(inner))
        if (
            isinstance(expr.func, ast.Attribute)
            and not expr.args
            and not expr.keywords
            and expr.func.attr in ("items", "keys", "values")
        ):
            owner = _value(expr.func.value, state)
            if not isinstance(owner, dict):
                raise _Unknown
            return list(getattr(owner, expr.func.attr)())
        raise _Unknown
    value = _value(expr, state)
    if isinstance(value, list | tuple | str | bytes | dict):
        return list(value)
    raise _Unknown  # sets iterate in hash order; numbers do not iterate


def bind(loop: LoopInfo, item: Any) -> dict[str, str] | None:
    """The loop variables' reprs for one item (None when the item does not unpack)."""
    if not loop.unpack:
        return {loop.targets[0]: repr(item)}
    if not isinstance(item, tuple | list) or len(item) != len(loop.targets):
        return None
    return {name: repr(part) for name, part in zip(loop.targets, item, strict=True)}
