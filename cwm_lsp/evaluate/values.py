"""Comparing Python values given as repr strings (CRUXEval-O style)."""

from __future__ import annotations

import ast
from typing import Any

_MISSING = object()


def literal(text: str) -> Any:
    """``ast.literal_eval(text)``, or a private sentinel when it is not a literal."""
    try:
        return ast.literal_eval(text.strip())
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return _MISSING


def same_value(predicted: str | None, expected: str | None) -> bool:
    """Whether two reprs denote equal values.

    Both are read with :func:`ast.literal_eval` and compared with ``==`` (as
    CRUXEval's ``assert f(x) == y`` does); when either is not a literal the
    stripped texts are compared.  ``None`` (no prediction) matches nothing.
    """
    if predicted is None or expected is None:
        return False
    if predicted.strip() == expected.strip():
        return True
    left = literal(predicted)
    right = literal(expected)
    if left is _MISSING or right is _MISSING:
        return False
    try:
        return bool(left == right)
    except Exception:  # exotic __eq__ cannot happen for literals, but be safe
        return False


def canonical(text: str | None) -> str | None:
    """A key under which equal values group together (for majority votes)."""
    if text is None:
        return None
    value = literal(text)
    if value is _MISSING:
        return text.strip()
    try:
        return repr(value)
    except Exception:
        return text.strip()
