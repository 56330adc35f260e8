"""Binding call inputs to a function's parameters without running anything.

The inputs are text: ``"3, [1, 2]"``, ``"(3, [1, 2])"`` (a tuple of
arguments), ``"f(3, b=[1, 2])"`` (a call of the function) or keyword
arguments.  Literal values become their ``repr`` (what the real tracer would
show); other expressions keep their source text.
"""

from __future__ import annotations

import ast


class BindingError(ValueError):
    """The inputs do not parse or do not fit the function's parameters."""


def split_args(args: str, function: str = "") -> tuple[list[ast.expr], list[tuple[str, ast.expr]]]:
    """Positional and keyword argument expressions of an inputs text."""
    text = args.strip()
    if not text:
        return [], []
    try:
        expr = ast.parse(text, mode="eval").body
    except SyntaxError:
        expr = None
    name = function.rsplit(".", 1)[-1]
    if isinstance(expr, ast.Call) and _call_name(expr.func) == name and name:
        call = expr
    elif isinstance(expr, ast.Tuple) and text.startswith("(") and text.endswith(")"):
        return list(expr.elts), []
    else:
        try:
            parsed = ast.parse(f"_({text})", mode="eval").body
        except SyntaxError as exc:
            raise BindingError(f"inputs do not parse: {exc.msg}") from None
        assert isinstance(parsed, ast.Call)
        call = parsed
    keywords: list[tuple[str, ast.expr]] = []
    for kw in call.keywords:
        if kw.arg is None:
            raise BindingError("**kwargs in the inputs are not supported")
        keywords.append((kw.arg, kw.value))
    return list(call.args), keywords


def _call_name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def value_repr(expr: ast.expr) -> str:
    """``repr`` of a literal expression; its source text otherwise."""
    try:
        return repr(ast.literal_eval(expr))
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return ast.unparse(expr)


def bind(source: str, function: str, args: str) -> dict[str, str]:
    """The call frame's locals (parameter -> repr) for calling ``function`` with ``args``."""
    tree = ast.parse(source)
    node = _find(tree, function)
    if node is None:
        raise BindingError(f"no function {function!r} in the file")
    positional, keywords = split_args(args, function)
    a = node.args
    ordered = [*a.posonlyargs, *a.args]
    bound: dict[str, str] = {}
    if (
        positional
        and ordered
        and ordered[0].arg in ("self", "cls")
        and len(positional) < len(ordered)
    ):
        # A method called without its instance: leave self out.
        ordered = ordered[1:]
    for param, expr in zip(ordered, positional, strict=False):
        bound[param.arg] = value_repr(expr)
    extra = positional[len(ordered) :]
    if extra and a.vararg is None:
        raise BindingError(
            f"{function}() takes {len(ordered)} positional arguments but {len(positional)} were given"
        )
    names = {p.arg for p in [*ordered, *a.kwonlyargs]}
    kwargs: dict[str, str] = {}
    for name, expr in keywords:
        if name in bound:
            raise BindingError(f"{function}() got multiple values for argument {name!r}")
        if name in names:
            bound[name] = value_repr(expr)
        elif a.kwarg is not None:
            kwargs[name] = value_repr(expr)
        else:
            raise BindingError(f"{function}() got an unexpected keyword argument {name!r}")
    # Defaults for what was not given.
    defaults = dict(
        zip([p.arg for p in ordered][len(ordered) - len(a.defaults) :], a.defaults, strict=False)
    )
    for param, default in zip(a.kwonlyargs, a.kw_defaults, strict=True):
        if default is not None:
            defaults[param.arg] = default
    result: dict[str, str] = {}
    for param in ordered:
        if param.arg in bound:
            result[param.arg] = bound[param.arg]
        elif param.arg in defaults:
            result[param.arg] = value_repr(defaults[param.arg])
        else:
            raise BindingError(f"{function}() missing required argument {param.arg!r}")
    if a.vararg is not None:
        result[a.vararg.arg] = (
            "(" + ", ".join(value_repr(e) for e in extra) + ("," if len(extra) == 1 else "") + ")"
        )
    for param in a.kwonlyargs:
        if param.arg in bound:
            result[param.arg] = bound[param.arg]
        elif param.arg in defaults:
            result[param.arg] = value_repr(defaults[param.arg])
        else:
            raise BindingError(f"{function}() missing required keyword argument {param.arg!r}")
    if a.kwarg is not None:
        result[a.kwarg.arg] = "{" + ", ".join(f"{k!r}: {v}" for k, v in kwargs.items()) + "}"
    return result


def _find(tree: ast.AST, function: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    parts = function.split(".")
    candidates = [
        n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
    ]
    for node in candidates:
        if node.name == parts[-1]:
            return node
    return None
