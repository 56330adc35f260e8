"""Compound statement recipes: ``if``/``elif``/``else``, ``for`` and ``while`` loops, early returns.

``inner`` writes one nested statement (the body writer of
:mod:`~cwm_lsp.corpus.body`).  Loops never nest (a loop body holds no loop),
and what a loop iterates over is frozen for its body, so every loop runs at
most as many times as its input is long.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from cwm_lsp.corpus.builder import Builder
from cwm_lsp.corpus.expressions import expression
from cwm_lsp.corpus.kinds import (
    BOOL,
    DICT,
    INT,
    LINT,
    LSTR,
    SEPARATORS,
    STR,
    TUPLE,
    empty_literal,
    nonempty_code_str,
    positive_int,
)

Inner = Callable[[Builder], None]


def if_else(b: Builder, inner: Inner) -> bool:
    """``if <cond>:`` with one or two statements, maybe ``elif`` and ``else``."""
    with b.block(f"if {expression(b, BOOL, 1)}:"):
        inner(b)
        if b.chance(0.3):
            inner(b)
    if b.chance(0.25):
        with b.block(f"elif {expression(b, BOOL, 0)}:"):
            inner(b)
    if b.chance(0.45):
        with b.block("else:"):
            inner(b)
    return True


def branch_assign(b: Builder, inner: Inner) -> bool:
    """One name set on every branch: ``if c: label = ... else: label = ...``."""
    kind = b.returns if b.chance(0.3) else b.rng.choice((STR, INT, INT, LINT, BOOL))
    name = b.fresh(kind)
    b.results.append(name)
    branches = [f"if {expression(b, BOOL, 1)}:"]
    if b.chance(0.35):
        branches.append(f"elif {expression(b, BOOL, 0)}:")
    branches.append("else:")
    for header in branches:
        with b.block(header):
            b.emit(f"{name} = {expression(b, kind, 1)}")
    b.bind(name, kind)
    return True


def early_return(b: Builder, inner: Inner) -> bool:
    """``if <cond>: return <value>`` (a guard clause)."""
    with b.block(f"if {expression(b, BOOL, 0)}:"):
        value = empty_literal(b.returns) if b.chance(0.4) else expression(b, b.returns, 0)
        b.emit(f"return {value}")
    return True


def _iteration(b: Builder) -> tuple[str, list[tuple[str, str]], list[str]] | None:
    """A loop header's iterable text, the loop variables with kinds, the names to freeze."""
    kind = b.rng.choice((LINT, LINT, LSTR, LSTR, STR, STR, DICT, TUPLE, INT))
    source = b.pick(kind)
    if source is None:
        if kind != INT:
            return None
        return f"range({positive_int(b.rng, 5)})", [(b.names.short(INT), INT)], []
    roll = b.rng.random()
    if kind == INT:
        limit = source if source in b.params else f"min({source}, {positive_int(b.rng, 6)})"
        return f"range({limit})", [(b.names.short(INT), INT)], [source]
    if kind == DICT:
        k, v = b.names.short(STR), b.names.short(INT)
        if roll < 0.4:
            return f"{source}.items()", [(k, STR), (v, INT)], [source]
        if roll < 0.6:
            return f"sorted({source}.items())", [(k, STR), (v, INT)], [source]
        if roll < 0.8:
            return f"sorted({source})", [(k, STR)], [source]
        return source, [(k, STR)], [source]
    element = INT if kind in (LINT, TUPLE) else STR
    x = b.names.short(element)
    if roll < 0.45:
        return source, [(x, element)], [source]
    if roll < 0.6:
        i = b.names.short(INT)
        return f"enumerate({source})", [(i, INT), (x, element)], [source]
    if roll < 0.7:
        return f"{b.rng.choice(('sorted', 'reversed'))}({source})", [(x, element)], [source]
    if roll < 0.8 and kind == STR:
        sep = repr(b.rng.choice(SEPARATORS))
        return f"{source}.split({sep})", [(b.names.short(STR), STR)], [source]
    if roll < 0.9:
        other = b.pick(LINT, LSTR, STR)
        if other is not None and other != source:
            other_element = INT if b.scope[other] == LINT else STR
            y = b.names.short(other_element)
            pairs = [(x, element), (y, other_element)]
            return f"zip({source}, {other})", pairs, [source, other]
    i = b.names.short(INT)
    start = b.rng.choice(("", "", "1, "))
    return f"range({start}len({source}))", [(i, INT)], [source]


def _accumulator(b: Builder, element: str, iterated: Sequence[str] = ()) -> tuple[str, str]:
    """A name the loop body adds to: existing (not frozen) or new, initialised before the loop.

    Never one of the names the loop goes over (``iterated``): a loop that
    appends to its own list would not end.
    """
    kinds = (INT, STR, LINT, LSTR, DICT) if element == STR else (INT, INT, STR, LINT, DICT)
    kind = b.returns if b.returns in kinds and b.chance(0.5) else b.rng.choice(kinds)
    existing = b.pick(kind, mutable=True) if b.chance(0.4) else None
    if existing is not None and existing not in iterated:
        b.results.append(existing)
        return existing, kind
    name = b.fresh(kind)
    b.results.append(name)
    start = empty_literal(kind) if b.chance(0.8) else expression(b, kind, 0)
    b.emit(f"{name} = {start}")
    b.bind(name, kind)
    return name, kind


def _accumulate(b: Builder, target: str, kind: str) -> None:
    """One statement adding the loop's element (the builder's focus) to ``target``."""
    roll = b.rng.random()
    if kind == INT:
        if roll < 0.6:
            b.emit(f"{target} {b.rng.choice(('+=', '+=', '-='))} {expression(b, INT, 0)}")
        elif roll < 0.8:
            b.emit(f"{target} = {b.rng.choice(('max', 'min'))}({target}, {expression(b, INT, 0)})")
        else:
            with b.block(f"if {expression(b, BOOL, 0)}:"):
                b.emit(f"{target} += 1")
    elif kind == STR:
        value = expression(b, STR, 0)
        b.emit(f"{target} = {value} + {target}" if roll < 0.2 else f"{target} += {value}")
    elif kind in (LINT, LSTR):
        element = INT if kind == LINT else STR
        value = expression(b, element, 0)
        if roll < 0.6:
            b.emit(f"{target}.append({value})")
        elif roll < 0.75:
            b.emit(f"{target}.insert(0, {value})")
        else:
            with b.block(f"if {value} not in {target}:"):
                b.emit(f"{target}.append({value})")
    else:
        key = b.atom(STR)
        if roll < 0.6:
            b.emit(
                f"{target}[{key}] = {target}.get({key}, 0) + {b.rng.choice(('1', expression(b, INT, 0)))}"
            )
        elif roll < 0.8:
            b.emit(f"{target}[{key}] = {expression(b, INT, 0)}")
        else:
            b.emit(f"{target}.setdefault({key}, {expression(b, INT, 0)})")


def for_loop(b: Builder, inner: Inner) -> bool:
    """A ``for`` loop over something in scope, adding to an accumulator, maybe with a guard."""
    if b.in_loop:
        return False
    iteration = _iteration(b)
    if iteration is None:
        return False
    iterable, targets, freeze = iteration
    focus_name, focus_kind = targets[-1]
    search = b.chance(0.15)
    target = None if search else _accumulator(b, focus_kind, freeze)
    header = f"for {', '.join(name for name, _ in targets)} in {iterable}:"
    with b.block(header, loop=True, freeze=[*freeze, *(name for name, _ in targets)]):
        for name, kind in targets:
            b.bind(name, kind)
        b.focus = focus_name
        if search:
            with b.block(f"if {expression(b, BOOL, 0)}:"):
                b.emit(f"return {expression(b, b.returns, 0)}")
            if b.chance(0.5):
                inner(b)
            return True
        assert target is not None
        if b.chance(0.25):
            with b.block(f"if {expression(b, BOOL, 0)}:"):
                b.emit(b.rng.choice(("continue", "continue", "break")))
        _accumulate(b, *target)
        if b.chance(0.3):
            inner(b)
    return True


def while_loop(b: Builder, inner: Inner) -> bool:
    """A ``while`` loop that ends: a counter, a shrinking stack, digits, or a strip."""
    if b.in_loop:
        return False
    roll = b.rng.random()
    if roll < 0.4:
        return _counter_loop(b, inner)
    if roll < 0.65:
        return _stack_loop(b, inner)
    if roll < 0.85:
        return _digit_loop(b, inner)
    return _strip_loop(b)


def _counter_loop(b: Builder, inner: Inner) -> bool:
    seq = b.pick(STR, LINT, LSTR)
    element = STR if seq is None or b.scope[seq] != LINT else INT
    target = _accumulator(b, element, [seq] if seq else []) if b.chance(0.6) else None
    i = b.fresh(INT)
    b.emit(f"{i} = 0")
    limit = f"len({seq})" if seq is not None else str(positive_int(b.rng, 5))
    freeze = [i] if seq is None else [i, seq]
    with b.block(f"while {i} < {limit}:", loop=True, freeze=freeze):
        b.bind(i, INT)
        if seq is not None:
            item = b.names.short(element)
            b.emit(f"{item} = {seq}[{i}]")
            b.bind(item, element)
            b.focus = item
            if b.chance(0.2):
                with b.block(f"if {expression(b, BOOL, 0)}:"):
                    b.emit("break")
        if target is not None:
            _accumulate(b, *target)
        if target is None or b.chance(0.3):
            inner(b)
        b.emit(f"{i} += {b.rng.choice((1, 1, 1, 2))}")
    b.bind(i, INT)
    return True


def _stack_loop(b: Builder, inner: Inner) -> bool:
    source = b.pick(LINT, LSTR, STR)
    if source is None:
        return False
    kind = b.scope[source]
    element = INT if kind == LINT else STR
    target = _accumulator(b, element) if b.chance(0.7) else None
    stack = b.names.variable(LINT if element == INT else LSTR)
    b.emit(f"{stack} = list({source})")
    with b.block(f"while {stack}:", loop=True, freeze=[stack]):
        item = b.names.short(element)
        b.emit(f"{item} = {stack}.pop({b.rng.choice(('', '', '0'))})")
        b.bind(item, element)
        b.focus = item
        if target is not None:
            _accumulate(b, *target)
        if target is None or b.chance(0.3):
            inner(b)
    b.bind(stack, LINT if element == INT else LSTR)
    return True


def _digit_loop(b: Builder, inner: Inner) -> bool:
    n = b.pick(INT)
    if n is None:
        return False
    m, base = b.fresh(INT), b.rng.choice((10, 10, 2, 3))
    digits = b.fresh(LINT)
    b.emit(f"{m} = abs({n})")
    b.emit(f"{digits} = []")
    b.bind(digits, LINT)
    with b.block(f"while {m} > 0:", loop=True, freeze=[m]):
        b.emit(f"{digits}.append({m} % {base})")
        b.emit(f"{m} //= {base}")
    b.bind(m, INT)
    return True


def _strip_loop(b: Builder) -> bool:
    s = b.pick(STR, mutable=True)
    if s is None:
        return False
    c = nonempty_code_str(b.rng)
    roll = b.rng.random()
    if roll < 0.4:
        header, body = f"while {s} and {s}[0] in {c!r}:", f"{s} = {s}[1:]"
    elif roll < 0.7:
        header, body = f"while {s}.endswith({c!r}):", f"{s} = {s}[:-{len(c)}]"
    else:  # the string gets shorter each time, so the loop ends
        header, body = f"while {c!r} in {s}:", f"{s} = {s}.replace({c!r}, {c[:-1]!r}, 1)"
    with b.block(header, loop=True, freeze=[s]):
        b.emit(body)
    return True
