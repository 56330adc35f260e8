"""Whether a module-level function is self-contained, and what it needs from its module.

Self-contained: every global name it reads is a builtin, a module-level
constant with a literal value, or another module-level function that is
self-contained in turn; it is not decorated, async or a generator, uses no
``global``/``nonlocal``, imports nothing, defines no class and calls no
builtin with effects (``open``, ``exec`` ...).  Only syntax is looked at.
"""

from __future__ import annotations

import ast
import builtins

_UNSAFE = frozenset(
    {
        "open", "exec", "eval", "compile", "__import__", "input", "breakpoint", "exit",
        "quit", "help", "globals", "locals", "vars", "setattr", "delattr", "memoryview",
    }
)  # fmt: skip
_BUILTINS = frozenset(dir(builtins)) - _UNSAFE


def literal_constants(tree: ast.Module) -> dict[str, ast.Assign]:
    """Module-level ``NAME = <literal>`` assignments, by name."""
    constants: dict[str, ast.Assign] = {}
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
        ):
            try:
                ast.literal_eval(node.value)
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                continue
            constants[node.targets[0].id] = node
    return constants


def closure(
    function: ast.FunctionDef,
    functions: dict[str, ast.FunctionDef],
    constants: dict[str, ast.Assign],
) -> list[str] | None:
    """The module names ``function`` needs (itself last), or None if it is not self-contained."""
    order: list[str] = []
    pending = [function.name]
    while pending:
        name = pending.pop()
        if name in order:
            continue
        if name in constants:
            order.append(name)
            continue
        node = functions.get(name)
        if node is None or not _simple(node):
            return None
        order.append(name)
        for free in sorted(_free_names(node) - _BUILTINS):
            if free not in functions and free not in constants:
                return None
            pending.append(free)
    order.remove(function.name)
    return [*reversed(order), function.name]


def _simple(function: ast.FunctionDef) -> bool:
    if function.decorator_list:
        return False
    for node in ast.walk(function):
        if isinstance(
            node,
            ast.Yield
            | ast.YieldFrom
            | ast.Await
            | ast.Global
            | ast.Nonlocal
            | ast.Import
            | ast.ImportFrom
            | ast.ClassDef,
        ):
            return False
        if isinstance(node, ast.Name) and node.id in _UNSAFE:
            return False
    return True


def _free_names(function: ast.FunctionDef) -> set[str]:
    bound: set[str] = set()
    loaded: set[str] = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Name):
            (loaded if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.FunctionDef | ast.Lambda) and node is not function:
            if isinstance(node, ast.FunctionDef):
                bound.add(node.name)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
    return loaded - bound
