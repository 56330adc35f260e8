"""The real program's source, read the way sys.settrace reports it.

A debugpy stop names a file and a line; a recorded Frame also needs that
line's text, and a ``call`` frame sits on the function's first line
(decorators included), as sys.settrace puts it.  Files are read once and
cached.
"""

from __future__ import annotations

import ast
import os
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=32)
def _file_lines(path: str) -> tuple[str, ...]:
    try:
        return tuple(Path(path).read_text(encoding="utf-8").splitlines())
    except (OSError, UnicodeDecodeError):
        return ()


def line_text(path: str, line: int) -> str:
    """The stripped text of ``line`` (1-based) of ``path``; "" when there is none."""
    lines = _file_lines(path)
    return lines[line - 1].strip() if 0 < line <= len(lines) else ""


@lru_cache(maxsize=32)
def _functions(path: str) -> tuple[tuple[str, int, int, int], ...]:
    """(name, first line incl. decorators, body start, end line) of each function in a file."""
    try:
        tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return ()
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            first = min([node.lineno] + [d.lineno for d in node.decorator_list])
            found.append((node.name, first, node.lineno, node.end_lineno or node.lineno))
    return tuple(found)


def def_line(path: str, name: str, line: int) -> int:
    """The line sys.settrace reports for the call of function ``name`` now at ``line``."""
    best: tuple[int, int] | None = None
    for fname, first, start, end in _functions(path):
        if fname == name and start <= line <= end and (best is None or first > best[0]):
            best = (first, end)
    return best[0] if best else line


def same_file(a: str, b: str) -> bool:
    """Whether two paths name the same file (after symlinks and case)."""
    return os.path.normcase(os.path.realpath(a)) == os.path.normcase(os.path.realpath(b))
