"""Whether a function has no external inputs: it reads nothing the imagined state does
not hold (see :mod:`cwm_lsp.analysis.termination`)."""

from __future__ import annotations

import ast

from cwm_lsp.analysis.ast_facts import (
    BUILTINS,
    COMPREHENSIONS,
    IMPURE_BUILTINS,
    PURE_MODULES,
    bound_in,
    lambda_params_of,
    module_level_names,
    own_nodes,
)
from cwm_lsp.analysis.source_index import FunctionInfo, SourceIndex


def closed_world(index: SourceIndex, entry: FunctionInfo) -> bool:
    """Does ``entry`` read nothing the imagined state does not hold (module docstring)?"""
    module_names = module_level_names(index.tree)
    constants = _module_constants(index.tree)
    modules = _pure_module_names(index.tree)
    file_functions = {info.name for info in index.functions}
    for info in index.called_functions(entry):
        node = index.node(info)
        if node is None or isinstance(node, ast.Lambda):
            continue  # lambdas are checked with the function they are written in
        if isinstance(node, ast.AsyncFunctionDef):
            return False
        allowed = (
            set(info.names)
            | file_functions
            | constants
            | modules
            | (BUILTINS - IMPURE_BUILTINS - module_names)
        )
        if not _reads_only(node, allowed):
            return False
    return True


def _reads_only(node: ast.FunctionDef, allowed: set[str]) -> bool:
    for child in own_nodes(node.body, into_expressions=True):
        if isinstance(child, ast.Global | ast.Nonlocal | ast.Yield | ast.YieldFrom | ast.Await):
            return False
        if isinstance(child, ast.Import | ast.ImportFrom):
            module = child.module if isinstance(child, ast.ImportFrom) else None
            names = [module] if module else [a.name for a in child.names]
            if any(n.split(".")[0] not in PURE_MODULES for n in names):
                return False
        if isinstance(child, (ast.Lambda, *COMPREHENSIONS)):
            allowed = allowed | bound_in(list(ast.walk(child))) | lambda_params_of(child)
    return all(
        n.id in allowed
        for n in own_nodes(node.body, into_expressions=True)
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
    )


def _module_constants(tree: ast.Module) -> set[str]:
    """Top-level names bound once, to a literal of immutable values."""
    counts: dict[str, int] = {}
    constant: set[str] = set()
    for stmt in tree.body:
        for name in bound_in(list(own_nodes([stmt]))):
            counts[name] = counts.get(name, 0) + 1
        if (
            isinstance(stmt, ast.Assign)
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)
            and _immutable_literal(stmt.value)
        ):
            constant.add(stmt.targets[0].id)
    return {name for name in constant if counts.get(name) == 1}


def _immutable_literal(expr: ast.expr) -> bool:
    if isinstance(expr, ast.Constant):
        return True
    if isinstance(expr, ast.UnaryOp):
        return _immutable_literal(expr.operand)
    if isinstance(expr, ast.Tuple):
        return all(_immutable_literal(e) for e in expr.elts)
    return False


def _pure_module_names(tree: ast.Module) -> set[str]:
    """Top-level names a pure module is imported as (``import math``, ``from math import pi``)."""
    names: set[str] = set()
    for stmt in tree.body:
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if alias.name.split(".")[0] in PURE_MODULES:
                    names.add((alias.asname or alias.name).split(".")[0])
        elif (
            isinstance(stmt, ast.ImportFrom)
            and stmt.module
            and stmt.module.split(".")[0] in PURE_MODULES
            and not stmt.level
        ):
            names.update(a.asname or a.name for a in stmt.names if a.name != "*")
    return names


# ---------------------------------------------------------------------- cycles
