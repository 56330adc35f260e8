"""Typed expressions: ``expression(builder, kind)`` writes an expression of that kind.

Each *maker* (registered by :mod:`~cwm_lsp.corpus.number_exprs`,
:mod:`~cwm_lsp.corpus.text_exprs`, :mod:`~cwm_lsp.corpus.list_exprs` and
:mod:`~cwm_lsp.corpus.dict_exprs`, imported when first needed) builds one
shape of expression from the names in scope (and literals), or returns None
when the scope lacks what it needs.  :func:`expression` prefers shapes that
read a name in scope over constant ones.  Makers never raise on any input: a subscript is guarded (``xs[0] if xs else 0``),
a divisor is a non-zero literal.  The raising forms live in
:mod:`~cwm_lsp.corpus.risky`, used inside ``try`` blocks.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from cwm_lsp.corpus.builder import Builder, Helper, paren
from cwm_lsp.corpus.kinds import (
    BOOL,
    DICT,
    FLOAT,
    INT,
    LINT,
    LSTR,
    MUTABLE_KINDS,
    STR,
    TUPLE,
    code_str,
    nonempty_code_str,
    small_int,
)

#: A maker gets the builder, the kind asked for and the nesting depth left.
Maker = Callable[[Builder, str, int], "str | None"]
_MAKERS: dict[str, list[Maker]] = {
    kind: [] for kind in (INT, STR, BOOL, FLOAT, LINT, LSTR, DICT, TUPLE)
}


def maker(*kinds: str) -> Callable[[Maker], Maker]:
    def register(function: Maker) -> Maker:
        for kind in kinds:
            _MAKERS[kind].append(function)
        return function

    return register


def expression(b: Builder, kind: str, depth: int = 1) -> str:
    """An expression of ``kind``; ``depth`` bounds how deeply makers nest."""
    from cwm_lsp.corpus import dict_exprs, list_exprs, number_exprs, text_exprs  # noqa: F401

    helpers = [h for h in b.helpers if h.returns == kind]
    if helpers and b.chance(0.15):
        return helper_call(b, b.rng.choice(helpers))
    makers = _MAKERS[kind]
    fallback = None
    for _ in range(20):
        text = b.rng.choice(makers)(b, kind, depth)
        if text is None:
            continue
        if mentions_scope(b, text):
            return text
        fallback = fallback or text
    return fallback or _copy_if_mutable(b.atom(kind), kind)


def _copy_if_mutable(text: str, kind: str) -> str:
    """A list or dict name becomes a copy (``list(xs)``), so no two names share one object.

    Shared objects would let a loop over one name grow it through the other.
    """
    if text.isidentifier() and kind in MUTABLE_KINDS:
        return f"dict({text})" if kind == DICT else f"list({text})"
    return text


def mentions_scope(b: Builder, text: str) -> bool:
    """Whether ``text`` reads a name in scope (so it is not a constant expression)."""
    if not b.scope:
        return True
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        return False
    return any(isinstance(n, ast.Name) and n.id in b.scope for n in ast.walk(tree))


def two(b: Builder, kind: str, depth: int) -> tuple[str, str] | None:
    """Two different operands of ``kind`` (None when they came out the same)."""
    left, right = sub(b, kind, depth), b.atom(kind)
    return None if left == right else (left, right)


def helper_call(b: Builder, helper: Helper) -> str:
    """A call of one of the program's helper functions with arguments from scope."""
    return f"{helper.name}({', '.join(b.atom(kind) for kind in helper.params)})"


def sub(b: Builder, kind: str, depth: int) -> str:
    """An operand: usually a name or literal, sometimes a nested expression."""
    if depth > 0 and b.chance(0.3):
        return paren(expression(b, kind, depth - 1))
    return b.atom(kind)


def recv(b: Builder, kind: str, depth: int) -> str | None:
    """A method's receiver: a name of ``kind``, or (sometimes) a nested expression."""
    name = b.pick(kind)
    if depth > 0 and b.chance(0.2 if name is not None else 0.1):
        return paren(expression(b, kind, depth - 1))
    return name


def s_lit(b: Builder) -> str:
    return repr(code_str(b.rng))


def ne_lit(b: Builder) -> str:
    return repr(nonempty_code_str(b.rng))


def i_lit(b: Builder) -> str:
    return str(small_int(b.rng))
