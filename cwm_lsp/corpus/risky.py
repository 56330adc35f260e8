"""Operations that may raise, and the ``try``/``except`` recipes that use them.

``int('x')`` raises ValueError, ``xs[9]`` IndexError, ``d['k']`` KeyError,
``n // 0`` ZeroDivisionError: whether they do depends on the inputs, which is
what makes them worth tracing.  The try recipe binds the same name in the
``try`` body and in the handler, so the name is defined after the statement
whichever way it went.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cwm_lsp.corpus.builder import Builder
from cwm_lsp.corpus.expressions import expression, i_lit, ne_lit, s_lit
from cwm_lsp.corpus.kinds import BOOL, DICT, INT, LINT, LSTR, STR, TUPLE, empty_literal


@dataclass(frozen=True)
class Risky:
    """An expression that may raise one of ``errors``, of kind ``kind``."""

    text: str
    errors: tuple[str, ...]
    kind: str


def risky(b: Builder) -> Risky | None:
    """One raising operation built from the scope, or None."""
    roll = b.rng.random()
    if roll < 0.2:
        s = b.pick(STR)
        if s is None:
            return None
        inner = b.rng.choice((s, f"{s}.strip()", f"{s}[:2]", f"{s}.split({ne_lit(b)})[0]"))
        return Risky(f"int({inner})", ("ValueError",), INT)
    if roll < 0.4:
        xs = b.pick(LINT, LSTR, TUPLE, STR)
        if xs is None:
            return None
        kind = {LINT: INT, TUPLE: INT, LSTR: STR, STR: STR}[b.scope[xs]]
        index = b.rng.choice(("0", "1", "2", "-1", "3", b.atom(INT)))
        return Risky(f"{xs}[{index}]", ("IndexError",), kind)
    if roll < 0.55:
        table = b.pick(DICT)
        if table is None:
            return None
        key = b.pick(STR) if b.chance(0.5) else None
        return Risky(f"{table}[{key or s_lit(b)}]", ("KeyError",), INT)
    if roll < 0.7:
        seq = b.pick(LINT, LSTR, STR, TUPLE)
        if seq is None:
            return None
        needle = b.atom(INT) if b.scope[seq] in (LINT, TUPLE) else ne_lit(b)
        return Risky(f"{seq}.index({needle})", ("ValueError",), INT)
    if roll < 0.8:
        return Risky(f"{b.atom(INT)} // {b.atom(INT)}", ("ZeroDivisionError",), INT)
    if roll < 0.9:
        xs = b.pick(LINT, LSTR, mutable=True)
        if xs is None:
            return None
        kind = INT if b.scope[xs] == LINT else STR
        index = b.rng.choice(("", "0", "1", b.atom(INT)))
        return Risky(f"{xs}.pop({index})", ("IndexError",), kind)
    xs = b.pick(LINT, TUPLE)
    if xs is None:
        return None
    fn = b.rng.choice(("max", "min"))
    return Risky(f"{fn}({xs})", ("ValueError",), INT)


def _fallback(b: Builder, kind: str) -> str:
    if b.chance(0.3):
        return empty_literal(kind)
    return i_lit(b) if kind == INT else expression(b, kind, 0)


def try_except(b: Builder, inner: Callable[[Builder], None]) -> bool:
    """``try: name = <risky> ... except Error: name = <fallback>`` (maybe ``else``/``finally``)."""
    op = risky(b)
    if op is None:
        return False
    name = b.fresh(op.kind)
    error_text = op.errors[0] if len(op.errors) == 1 else f"({', '.join(op.errors)})"
    with b.block("try:"):
        b.emit(f"{name} = {op.text}")
        b.bind(name, op.kind)
        if b.chance(0.3):
            inner(b)
    alias = b.names.exception() if op.kind in (STR, INT) and b.chance(0.2) else None
    if alias is not None:
        with b.block(f"except {error_text} as {alias}:"):
            text = f"str({alias})" if op.kind == STR else f"len(str({alias}))"
            b.emit(f"{name} = {text}")
    else:
        header = f"except ({error_text}, TypeError):" if b.chance(0.1) else f"except {error_text}:"
        with b.block(header):
            b.emit(f"{name} = {_fallback(b, op.kind)}")
    roll = b.rng.random()
    if roll < 0.1:
        with b.block("else:"):
            b.bind(name, op.kind)
            inner(b)
    elif roll < 0.17:
        with b.block("finally:"):
            b.bind(name, op.kind)
            counter = b.pick(INT, mutable=True)
            if counter is not None and counter != name:
                b.emit(f"{counter} += 1")
            else:
                b.emit("pass")
    b.bind(name, op.kind)
    return True


def raise_and_catch(b: Builder, inner: Callable[[Builder], None]) -> bool:
    """A guard that raises inside ``try``, caught below: ``if ...: raise ValueError(...)``."""
    kind = b.rng.choice((STR, INT, LINT))
    name = b.fresh(kind)
    error = b.rng.choice(("ValueError", "KeyError", "RuntimeError", "LookupError"))
    caught = "LookupError" if error == "KeyError" and b.chance(0.5) else error
    b.emit(f"{name} = {expression(b, kind, 0)}")
    b.bind(name, kind)
    with b.block("try:"):
        with b.block(f"if {expression(b, BOOL, 0)}:"):
            b.emit(f"raise {error}({b.atom(STR)})")
        inner(b)
    alias = b.names.exception()
    with b.block(f"except {caught} as {alias}:"):
        if kind == STR:
            b.emit(f"{name} = str({alias})")
        elif kind == INT:
            b.emit(f"{name} = len(str({alias}))")
        else:
            b.emit(f"{name} = []")
    return True


def unguarded(b: Builder) -> bool:
    """A raising operation outside any ``try``: the call may end with an exception."""
    op = risky(b)
    if op is None:
        return False
    name = b.fresh(op.kind)
    b.emit(f"{name} = {op.text}")
    b.bind(name, op.kind)
    return True
