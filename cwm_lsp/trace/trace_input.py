"""Checking a trace request before anything runs: the file, the function, the args.

Everything that can be checked without running the user's code is checked
here, in the parent: the file exists, it decodes and compiles, it defines the
function (or ``Class.method``), the args parse.  Those mistakes raise
:class:`TraceInputError` with one clear message.

Args are written as in the brief and CONTRACTS.md:

* a tuple of argument expressions: ``"1, 2"`` or ``"(1, 2)"`` (two args),
  ``"'x'"`` or ``"[1, 2]"`` (one arg), ``""`` or ``"()"`` (none); a single
  tuple argument is written ``"((1, 2),)"`` or as a call;
* a call expression of the function: ``"f(1, y=2)"``;
* the text between a call's parentheses when it has keywords: ``"1, y=2"``.

Argument expressions are usually literals; other expressions (``dict(a=1)``,
``lambda x: x``) are evaluated in the child in the module's namespace, since
the user asked for real execution.  Their code is not traced.
"""

from __future__ import annotations

import ast
import re
import tokenize
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

_NEWLINE = re.compile(r"\r\n|\r|\n")


class TraceInputError(ValueError):
    """The file, function or args cannot be traced; the message says why in one line."""


@dataclass(frozen=True)
class CallArgs:
    """Argument expressions (Python source text) for the entry function."""

    positional: tuple[str, ...] = ()
    keywords: tuple[tuple[str, str], ...] = ()


def parse_call_args(text: str, function: str, *, receiver: bool = False) -> CallArgs:
    """Parse ``--args`` text into argument expressions (see this module's docstring).

    ``receiver``: ``function`` is an instance method (or a property), so a call
    made on an instance, ``Inventory().add(1)`` (``Inventory().total``), passes
    the instance first.
    """
    stripped = text.strip()
    if not stripped:
        return CallArgs()
    try:
        node = ast.parse(stripped, mode="eval").body
    except SyntaxError as error:
        call = _parse_bare_call_args(stripped)
        if call is None:
            raise TraceInputError(f"cannot parse the args {stripped!r}: {error.msg}") from None
        return _call_args(call.args, call.keywords)
    if isinstance(node, ast.Call) and _dotted_name(node.func) in _callee_names(function):
        return _call_args(node.args, node.keywords)
    method = function.rsplit(".", 1)[-1]
    if receiver and method == "__init__":  # Inventory(1): a new instance, then __init__(1)
        owner = function.rsplit(".", 2)[-2]
        fresh = ast.parse(f"{owner}.__new__({owner})", mode="eval").body
        if isinstance(node, ast.Call) and _dotted_name(node.func) == owner:
            return _call_args([fresh, *node.args], node.keywords)
        inner = parse_call_args(text, function)
        return CallArgs((ast.unparse(fresh), *inner.positional), inner.keywords)
    on_instance = isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    if receiver and on_instance and node.func.attr == method:  # type: ignore[attr-defined]
        # instance.method(...): the instance is the first argument
        return _call_args([node.func.value, *node.args], node.keywords)  # type: ignore[attr-defined]
    if receiver and isinstance(node, ast.Attribute) and node.attr == method:
        return _call_args([node.value], [])  # instance.property
    if isinstance(node, ast.Tuple):
        return _call_args(node.elts, [])
    return _call_args([node], [])


def _parse_bare_call_args(text: str) -> ast.Call | None:
    """``"1, y=2"`` read as the inside of a call's parentheses, or None."""
    wrapped = f"_({text}\n)"
    try:
        node = ast.parse(wrapped, mode="eval").body
    except SyntaxError:
        return None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "_":
        return node
    return None


def _callee_names(function: str) -> set[str]:
    return {function, function.rsplit(".", 1)[-1]}


def _dotted_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted_name(node.value)
        return None if base is None else f"{base}.{node.attr}"
    return None


def _call_args(positional: Sequence[ast.expr], keywords: Sequence[ast.keyword]) -> CallArgs:
    texts: list[str] = []
    for node in positional:
        if isinstance(node, ast.Starred):
            raise TraceInputError(f"starred args are not supported: {ast.unparse(node)}")
        texts.append(ast.unparse(node))
    named: list[tuple[str, str]] = []
    for keyword in keywords:
        if keyword.arg is None:
            raise TraceInputError(f"**-args are not supported: **{ast.unparse(keyword.value)}")
        named.append((keyword.arg, ast.unparse(keyword.value)))
    return CallArgs(tuple(texts), tuple(named))


def decode_source(data: bytes, display: str) -> str:
    """Source bytes to text the way Python reads a file (coding cookie, BOM)."""
    try:
        encoding, _ = tokenize.detect_encoding(iter(data.splitlines(keepends=True)).__next__)
        return data.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError) as error:
        raise TraceInputError(f"{display}: cannot decode the source: {error}") from None


def source_lines(text: str) -> list[str]:
    """The file's lines as Python numbers them (``\\r\\n``, ``\\r`` and ``\\n`` end a line)."""
    return _NEWLINE.split(text)


def parse_module(data: bytes, display: str) -> ast.Module:
    """Compile-check the source; a syntax error becomes a one-line TraceInputError."""
    try:
        tree = compile(data, display, "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as error:
        where = f"{display}:{error.lineno}" if error.lineno else display
        raise TraceInputError(f"{where}: syntax error: {error.msg}") from None
    except ValueError as error:  # e.g. null bytes
        raise TraceInputError(f"{display}: cannot compile: {error}") from None
    assert isinstance(tree, ast.Module)
    return tree


def module_names(body: Sequence[ast.stmt]) -> dict[str, ast.stmt]:
    """Names bound at module level (also inside top-level if/try/with blocks)."""
    names: dict[str, ast.stmt] = {}
    for stmt in body:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names[stmt.name] = stmt
        elif isinstance(stmt, ast.Assign | ast.AnnAssign):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    names[target.id] = stmt
        elif isinstance(stmt, ast.Import | ast.ImportFrom):
            for alias in stmt.names:
                names[(alias.asname or alias.name).split(".")[0]] = stmt
        elif isinstance(stmt, ast.If | ast.For | ast.While | ast.With | ast.Try):
            for block in ("body", "orelse", "finalbody"):
                names.update(module_names(getattr(stmt, block, [])))
            for handler in getattr(stmt, "handlers", []):
                names.update(module_names(handler.body))
    return names


def is_instance_method(tree: ast.Module, function: str) -> bool:
    """Is ``Class.method`` a method that runs on an instance (a property included)?"""
    parts = function.split(".")
    scope, node = module_names(tree.body), None
    for depth, part in enumerate(parts):
        node = scope.get(part)
        if node is None or (depth + 1 < len(parts) and not isinstance(node, ast.ClassDef)):
            return False
        if isinstance(node, ast.ClassDef):
            scope = module_names(node.body)
    if len(parts) < 2 or not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return False
    decorators = {
        d.id if isinstance(d, ast.Name) else d.attr if isinstance(d, ast.Attribute) else ""
        for d in node.decorator_list
    }
    return not decorators & {"staticmethod", "classmethod"}


def check_function(tree: ast.Module, function: str, display: str) -> None:
    """Raise TraceInputError unless ``function`` (or ``Class.method``) is defined."""
    parts = function.split(".")
    if not function or not all(part.isidentifier() for part in parts):
        raise TraceInputError(f"not a function name: {function!r}")
    scope = module_names(tree.body)
    for depth, part in enumerate(parts):
        node = scope.get(part)
        if node is None:
            known = ", ".join(
                name
                for name, stmt in scope.items()
                if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            )
            where = ".".join(parts[:depth]) or display
            hint = f" (defined there: {known})" if known else ""
            raise TraceInputError(f"no function {function!r} in {where}{hint}")
        if depth + 1 < len(parts):
            if not isinstance(node, ast.ClassDef):
                raise TraceInputError(f"{'.'.join(parts[: depth + 1])} is not a class")
            scope = module_names(node.body)


def decorated_lines(tree: ast.Module) -> dict[int, int]:
    """First decorator line -> ``def`` line, to place ``call`` frames on the ``def``."""
    lines: dict[int, int] = {}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            and node.decorator_list
        ):
            lines[min(d.lineno for d in node.decorator_list)] = node.lineno
    return lines


@dataclass(frozen=True)
class CheckedInput:
    """What :func:`check_trace_input` read and parsed."""

    display: str
    data: bytes
    text: str
    tree: ast.Module
    call_args: CallArgs


def check_trace_input(
    source: str | None = None, *, path: str | None = None, function: str, args: str = ""
) -> CheckedInput:
    """Check everything that can be checked without running the code.

    Raises :class:`TraceInputError` (one line) for a missing file, undecodable
    source, a syntax error, an unknown function or unparsable args.  Also
    useful before imagining a trace, so both paths reject the same input.
    """
    display = path or "<source>"
    if source is None:
        if path is None:
            raise TraceInputError("give the source text or a file path to trace")
        if not Path(path).is_file():
            raise TraceInputError(f"no such file: {path}")
        try:
            data = Path(path).read_bytes()
        except OSError as error:
            raise TraceInputError(f"cannot read {path}: {error.strerror or error}") from None
    else:
        data = source.encode("utf-8")
    text = decode_source(data, display)
    tree = parse_module(data, display)
    check_function(tree, function, display)
    receiver = is_instance_method(tree, function)
    return CheckedInput(
        display, data, text, tree, parse_call_args(args, function, receiver=receiver)
    )
