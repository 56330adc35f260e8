"""Doctest examples (``>>> f(3)``) in a function's docstring."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from tree_sitter import Node

from cwm_lsp.source.grammar import query
from cwm_lsp.source.positions import LineIndex
from cwm_lsp.source.syntax import node_key, node_text, run_query

_PROMPT = re.compile(r"^\s*>>> ?(.*)$")
_CONTINUATION = re.compile(r"^\s*\.\.\.(?: (.*)|)$")


@dataclass(frozen=True)
class DoctestCall:
    """A call of the function in a doctest example; ``line`` is 1-based."""

    text: str
    line: int


def docstring_of(definition: Node) -> Node | None:
    """The docstring node of a def (first statement of its body, a lone string)."""
    for _pattern, captures in run_query(query("docstrings"), definition):
        functions, strings = captures.get("function"), captures.get("docstring")
        if functions and strings and node_key(functions[0]) == node_key(definition):
            return strings[0]
    return None


def docstring_value(string: Node) -> str:
    """The string's value; its source between the quotes when it won't evaluate."""
    source = node_text(string)
    try:
        value = ast.literal_eval(source)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        value = None
    if isinstance(value, str):
        return value
    body = re.sub(r"^[A-Za-z]*('''|\"\"\"|'|\")", "", source)
    return re.sub(r"('''|\"\"\"|'|\")$", "", body)


def doctest_calls(string: Node, index: LineIndex, name: str) -> list[DoctestCall]:
    """Calls of ``name`` (``name(...)`` or ``x.name(...)``) in the examples."""
    first_line = index.line_of(index.byte_to_char(string.start_byte)) + 1
    lines = docstring_value(string).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    found: list[DoctestCall] = []
    i = 0
    while i < len(lines):
        prompt = _PROMPT.match(lines[i])
        if prompt is None:
            i += 1
            continue
        example_line = first_line + i
        source = [prompt.group(1)]
        i += 1
        while i < len(lines) and (more := _CONTINUATION.match(lines[i])) is not None:
            source.append(more.group(1) or "")
            i += 1
        call = _call_of(name, "\n".join(source))
        if call is not None:
            found.append(DoctestCall(call, example_line))
    return found


def _call_of(name: str, source: str) -> str | None:
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and callee_name(node.func) == name:
            return ast.get_source_segment(source, node)
    return None


def callee_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None
