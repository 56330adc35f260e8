"""Statement-kind statistics: which Python constructs a corpus exercises, and how often.

A function's *kinds* are read off its syntax tree: statement types
(``For``, ``Try``, ``AugAssign`` ...), refinements that matter to execution
(``elif``, ``try-finally``, ``except-as``, ``for-tuple-target``),
expression forms (``ListComp``, ``IfExp``, ``Slice``, ``f-string`` ...),
methods called (``method:split``), builtins called (``builtin:len``) and
calls of the program's own functions (``helper-call``).
"""

from __future__ import annotations

import ast
import builtins
from collections import Counter
from collections.abc import Iterable

_EXPRESSIONS = (
    ast.ListComp,
    ast.DictComp,
    ast.SetComp,
    ast.GeneratorExp,
    ast.IfExp,
    ast.Lambda,
    ast.Slice,
    ast.BoolOp,
    ast.Starred,
)
_BUILTINS = frozenset(dir(builtins))


def statement_kinds(source: str) -> set[str]:
    """The kinds of construct ``source`` uses (empty when it does not parse)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    defined = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    kinds: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.stmt):
            kinds.add(type(node).__name__)
        if isinstance(node, _EXPRESSIONS):
            kinds.add(type(node).__name__)
        if isinstance(node, ast.JoinedStr):
            kinds.add("f-string")
        if (
            isinstance(node, ast.If)
            and len(node.orelse) == 1
            and isinstance(node.orelse[0], ast.If)
        ):
            kinds.add("elif")
        elif isinstance(node, ast.If) and node.orelse:
            kinds.add("else")
        if isinstance(node, ast.Try):
            kinds.update(
                name
                for name, block in (("try-else", node.orelse), ("try-finally", node.finalbody))
                if block
            )
        if isinstance(node, ast.ExceptHandler) and node.name:
            kinds.add("except-as")
        if isinstance(node, ast.For) and isinstance(node.target, ast.Tuple):
            kinds.add("for-tuple-target")
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Tuple):
            kinds.add("tuple-assign")
        if isinstance(node, ast.Call):
            kinds.add(_call_kind(node, defined))
    kinds.discard("")
    return kinds


def _call_kind(node: ast.Call, defined: set[str]) -> str:
    if isinstance(node.func, ast.Attribute):
        return f"method:{node.func.attr}"
    if isinstance(node.func, ast.Name):
        if node.func.id in defined:
            return "helper-call"
        if node.func.id in _BUILTINS:
            return f"builtin:{node.func.id}"
    return ""


def kind_counts(sources: Iterable[str]) -> Counter[str]:
    """For each kind, how many of ``sources`` use it."""
    counts: Counter[str] = Counter()
    for source in sources:
        counts.update(statement_kinds(source))
    return counts


def format_counts(counts: Counter[str], *, columns: int = 4) -> str:
    """Counts as aligned text, most common first (for the build summary)."""
    items = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    cells = [f"{name} {count}" for name, count in items]
    width = max((len(cell) for cell in cells), default=0) + 2
    rows = [cells[i : i + columns] for i in range(0, len(cells), columns)]
    return "\n".join("  " + "".join(cell.ljust(width) for cell in row).rstrip() for row in rows)
