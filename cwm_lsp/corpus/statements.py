"""Simple statement recipes: assignments, augmented assignments, in-place methods.

A recipe takes the :class:`~cwm_lsp.corpus.builder.Builder`, writes one
statement (sometimes a two-line guarded one) and returns True, or returns
False when the scope lacks what it needs.  A recipe never mutates a frozen
name (the iterable of an enclosing loop), so every loop ends.
"""

from __future__ import annotations

from collections.abc import Callable

from cwm_lsp.corpus.builder import Builder, paren
from cwm_lsp.corpus.expressions import expression, helper_call, i_lit, ne_lit, s_lit
from cwm_lsp.corpus.kinds import (
    BOOL,
    DICT,
    FLOAT,
    INT,
    LINT,
    LSTR,
    SEPARATORS,
    STR,
    TUPLE,
    positive_int,
)

Recipe = Callable[[Builder], bool]

#: Kinds of new variables; repeats weight the draw.
_NEW_KINDS = (INT, INT, STR, STR, STR, BOOL, FLOAT, LINT, LINT, LSTR, LSTR, DICT, DICT, TUPLE)


def assign_new(b: Builder) -> bool:
    """``name = <expression>`` for a new name."""
    kind = b.returns if b.chance(0.2) else b.rng.choice(_NEW_KINDS)
    value = expression(b, kind, 1)
    name = b.fresh(kind)
    b.emit(f"{name} = {value}")
    b.bind(name, kind)
    return True


def reassign(b: Builder) -> bool:
    """``name = <expression of name>``: a variable rebuilt from itself."""
    name = b.pick(INT, STR, LINT, LSTR, DICT, TUPLE, mutable=True)
    if name is None:
        return False
    focus, b.focus = b.focus, name
    value = expression(b, b.scope[name], 1)
    b.focus = focus
    if value == name:
        return False
    b.emit(f"{name} = {value}")
    return True


def augmented(b: Builder) -> bool:
    """``n += ...``, ``s += ...``, ``xs += [...]``."""
    name = b.pick(INT, STR, LINT, mutable=True)
    if name is None:
        return False
    kind = b.scope[name]
    if kind == INT:
        op = b.rng.choice(("+=", "+=", "-=", "*=", "//=", "%="))
        value = str(positive_int(b.rng, 4) + 1) if op in ("//=", "%=") else expression(b, INT, 0)
        b.emit(f"{name} {op} {value}")
    elif kind == STR:
        b.emit(f"{name} += {expression(b, STR, 0)}")
    else:
        b.emit(f"{name} += [{expression(b, INT, 0)}]")
    return True


def list_method(b: Builder) -> bool:
    """An in-place list method: append, insert, extend, sort, reverse, remove, pop ..."""
    xs = b.pick(LINT, LSTR, mutable=True)
    if xs is None:
        return False
    element = INT if b.scope[xs] == LINT else STR
    roll = b.rng.random()
    if roll < 0.25:
        b.emit(f"{xs}.append({expression(b, element, 0)})")
    elif roll < 0.35:
        b.emit(f"{xs}.insert({b.rng.choice(('0', '1', '-1', b.atom(INT)))}, {b.atom(element)})")
    elif roll < 0.45:
        other = b.pick(b.scope[xs])
        if other is None or other == xs:
            return False
        b.emit(f"{xs}.extend({other})")
    elif roll < 0.6:
        options = ["", "reverse=True"] + (["key=len", "key=str.lower"] if element == STR else [])
        b.emit(f"{xs}.sort({b.rng.choice(options)})")
    elif roll < 0.65:
        b.emit(f"{xs}.reverse()")
    elif roll < 0.75:
        value = b.atom(element)
        with b.block(f"if {value} in {xs}:"):
            b.emit(f"{xs}.remove({value})")
    elif roll < 0.85:
        popped = b.fresh(element)
        index = b.rng.choice(("", "", "0", "-1"))
        fallback = i_lit(b) if element == INT else s_lit(b)
        b.emit(f"{popped} = {xs}.pop({index}) if {xs} else {fallback}")
        b.bind(popped, element)
    elif roll < 0.93:
        index = b.rng.choice(("0", "-1", b.atom(INT)))
        guard = f"if {xs}:" if index in ("0", "-1") else f"if 0 <= {index} < len({xs}):"
        with b.block(guard):
            b.emit(f"{xs}[{index}] = {expression(b, element, 0)}")
    else:
        with b.block(f"if {xs}:"):
            b.emit(f"del {xs}[{b.rng.choice(('0', '-1'))}]")
    return True


def dict_method(b: Builder) -> bool:
    """Store, count, setdefault, update, pop or delete in a dict."""
    table = b.pick(DICT, mutable=True)
    if table is None:
        return False
    key = b.pick(STR) if b.chance(0.5) else None
    key = key or s_lit(b)
    roll = b.rng.random()
    if roll < 0.25:
        b.emit(f"{table}[{key}] = {expression(b, INT, 0)}")
    elif roll < 0.45:
        b.emit(f"{table}[{key}] = {table}.get({key}, 0) + {positive_int(b.rng, 3)}")
    elif roll < 0.55:
        name = b.fresh(INT)
        b.emit(f"{name} = {table}.setdefault({key}, {i_lit(b)})")
        b.bind(name, INT)
    elif roll < 0.65:
        b.emit(f"{table}.setdefault({key}, {i_lit(b)})")
    elif roll < 0.75:
        other = b.pick(DICT)
        update = other if other is not None and other != table else f"{{{key}: {i_lit(b)}}}"
        b.emit(f"{table}.update({update})")
    elif roll < 0.88:
        name = b.fresh(INT)
        b.emit(f"{name} = {table}.pop({key}, {i_lit(b)})")
        b.bind(name, INT)
    else:
        with b.block(f"if {key} in {table}:"):
            b.emit(f"del {table}[{key}]")
    return True


def unpack(b: Builder) -> bool:
    """Tuple assignment: a swap, ``q, r = divmod(...)``, ``head, _, tail = s.partition(...)``."""
    roll = b.rng.random()
    if roll < 0.3:
        kind = b.rng.choice((INT, STR, LINT))
        names = b.vars_of(kind, mutable=True)
        if len(names) < 2:
            return False
        x, y = b.rng.sample(names, 2)
        b.emit(f"{x}, {y} = {y}, {x}")
        return True
    if roll < 0.5:
        q, r = b.fresh(INT), b.fresh(INT)
        b.emit(f"{q}, {r} = divmod({b.atom(INT)}, {positive_int(b.rng, 4) + 1})")
        b.bind(q, INT)
        b.bind(r, INT)
        return True
    if roll < 0.65:
        s = b.pick(STR)
        if s is None:
            return False
        head, rest = b.fresh(STR), b.fresh(LSTR)
        b.emit(f"{head}, *{rest} = {s}.split({b.rng.choice(SEPARATORS)!r})")
        b.bind(head, STR)
        b.bind(rest, LSTR)
        return True
    if roll < 0.8:
        s = b.pick(STR)
        if s is None:
            return False
        head, tail = b.fresh(STR), b.fresh(STR)
        method = b.rng.choice(("partition", "rpartition"))
        b.emit(f"{head}, _, {tail} = {s}.{method}({b.rng.choice(SEPARATORS)!r})")
        b.bind(head, STR)
        b.bind(tail, STR)
        return True
    lo, hi = b.fresh(INT), b.fresh(INT)
    x, y = b.atom(INT), expression(b, INT, 0)
    b.emit(f"{lo}, {hi} = min({x}, {paren(y)}), max({x}, {paren(y)})")
    b.bind(lo, INT)
    b.bind(hi, INT)
    return True


def call_helper(b: Builder) -> bool:
    """``name = helper(...)``: call one of the program's helper functions."""
    if not b.helpers:
        return False
    helper = b.rng.choice(b.helpers)
    name = b.fresh(helper.returns)
    b.emit(f"{name} = {helper_call(b, helper)}")
    b.bind(name, helper.returns)
    return True


def text_edit(b: Builder) -> bool:
    """A string rebuilt with a method chain, e.g. ``s = s.strip().replace('a', '')``."""
    s = b.pick(STR, mutable=True)
    if s is None:
        return False
    first = b.rng.choice(("strip()", "lower()", "upper()", f"lstrip({ne_lit(b)})", "title()"))
    second = b.rng.choice(
        (f"replace({ne_lit(b)}, {s_lit(b)})", f"rstrip({ne_lit(b)})", "swapcase()")
    )
    b.emit(f"{s} = {s}.{first}.{second}")
    return True


#: Simple recipes and their weights.
SIMPLE: tuple[tuple[Recipe, int], ...] = (
    (assign_new, 10),
    (reassign, 4),
    (augmented, 3),
    (list_method, 5),
    (dict_method, 4),
    (unpack, 2),
    (call_helper, 2),
    (text_edit, 1),
)
