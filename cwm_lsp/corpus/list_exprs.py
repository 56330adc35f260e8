"""Expression makers for lists of ints and of strings (see :mod:`~cwm_lsp.corpus.expressions`)."""

from __future__ import annotations

from cwm_lsp.corpus.builder import Builder
from cwm_lsp.corpus.expressions import i_lit, maker, ne_lit, recv, s_lit, sub
from cwm_lsp.corpus.kinds import DICT, INT, LINT, LSTR, SEPARATORS, STR, TUPLE, positive_int

# ---- list[int] -------------------------------------------------------------------


@maker(LINT, LSTR)
def _sorted(b: Builder, k: str, d: int) -> str | None:
    xs = recv(b, k, d)
    if xs is None:
        return None
    reverse = ", reverse=True" if b.chance(0.3) else ""
    return f"sorted({xs}{reverse})"


@maker(LINT, LSTR, LINT)
def _list_slice(b: Builder, k: str, d: int) -> str | None:
    xs = b.pick(k)
    if xs is None:
        return None
    shape = b.rng.choice(("::-1", "1:", ":-1", ":2", "::2", "1:3", f":{b.atom(INT)}", "-2:"))
    return f"{xs}[{shape}]"


@maker(LINT)
def _list_plus(b: Builder, k: str, d: int) -> str | None:
    xs = b.pick(LINT)
    if xs is None:
        return None
    if b.chance(0.5):
        return f"{xs} + [{sub(b, INT, d)}]"
    other = b.pick(LINT)
    return None if other is None or (b.in_loop and other == xs) else f"{xs} + {other}"


@maker(LINT)
def _range(b: Builder, k: str, d: int) -> str | None:
    roll = b.rng.random()
    if roll < 0.4:
        return f"list(range({positive_int(b.rng, 6)}))"
    if roll < 0.7:
        seq = b.pick(STR, LSTR, LINT)
        return None if seq is None else f"list(range(len({seq})))"
    n = b.pick(INT)
    return None if n is None else f"list(range(min({n}, {positive_int(b.rng, 6)})))"


@maker(LINT, LINT, LINT)
def _int_comprehension(b: Builder, k: str, d: int) -> str | None:
    xs = b.pick(LINT, TUPLE)
    if xs is None:
        return None
    x = b.names.short(INT)
    element = b.rng.choice(
        (
            f"{x} * {positive_int(b.rng, 3)}",
            f"{x} + {i_lit(b)}",
            f"abs({x})",
            f"{x} % 3",
            x,
            f"-{x}",
        )
    )
    guard = ""
    if b.chance(0.5):
        guard = b.rng.choice(
            (f" if {x} % 2 == 0", f" if {x} > {i_lit(b)}", f" if {x} != {i_lit(b)}", f" if {x}")
        )
    return f"[{element} for {x} in {xs}{guard}]"


@maker(LINT)
def _from_strings(b: Builder, k: str, d: int) -> str | None:
    seq = b.pick(STR, LSTR)
    if seq is None:
        return None
    w = b.names.short(STR)
    if b.scope[seq] == STR:
        return b.rng.choice(
            (f"[int({w}) for {w} in {seq} if {w}.isdigit()]", f"[ord({w}) for {w} in {seq}]")
        )
    return b.rng.choice(
        (f"[len({w}) for {w} in {seq}]", f"[int({w}) for {w} in {seq} if {w}.isdigit()]")
    )


@maker(LINT)
def _dict_values(b: Builder, k: str, d: int) -> str | None:
    table = b.pick(DICT)
    return (
        None
        if table is None
        else b.rng.choice((f"list({table}.values())", f"sorted({table}.values())"))
    )


@maker(LINT)
def _enumerate_filter(b: Builder, k: str, d: int) -> str | None:
    xs = b.pick(LINT, LSTR)
    if xs is None:
        return None
    i, x = b.names.short(INT), b.names.short(INT if b.scope[xs] == LINT else STR)
    test = f"{x} > {i_lit(b)}" if b.scope[xs] == LINT else f"{x}.startswith({ne_lit(b)})"
    return f"[{i} for {i}, {x} in enumerate({xs}) if {test}]"


@maker(LINT)
def _zip_sums(b: Builder, k: str, d: int) -> str | None:
    xs, ys = b.pick(LINT, TUPLE), b.pick(LINT, TUPLE)
    if xs is None or ys is None:
        return None
    x, y = b.names.short(INT), b.names.short(INT)
    op = b.rng.choice(("+", "-", "*"))
    return f"[{x} {op} {y} for {x}, {y} in zip({xs}, {ys})]"


@maker(LINT)
def _dedup_ints(b: Builder, k: str, d: int) -> str | None:
    xs = b.pick(LINT, TUPLE)
    if xs is None:
        return None
    return b.rng.choice((f"sorted(set({xs}))", f"list(dict.fromkeys({xs}))", f"list({xs})"))


# ---- list[str] -------------------------------------------------------------------


@maker(LSTR, LSTR, LSTR)
def _split(b: Builder, k: str, d: int) -> str | None:
    s = recv(b, STR, d)
    if s is None:
        return None
    sep = repr(b.rng.choice(SEPARATORS))
    return b.rng.choice(
        (f"{s}.split()", f"{s}.split({sep})", f"{s}.split({sep}, 1)", f"{s}.rsplit({sep}, 1)")
    )


@maker(LSTR)
def _chars(b: Builder, k: str, d: int) -> str | None:
    s = b.pick(STR)
    if s is None:
        return None
    c = b.names.short(STR)
    test = b.rng.choice(("isalpha", "isdigit", "isupper", "islower", "isalnum"))
    return b.rng.choice(
        (f"list({s})", f"[{c} for {c} in {s} if {c}.{test}()]", f"[{c} * 2 for {c} in {s}]")
    )


@maker(LSTR, LSTR)
def _str_comprehension(b: Builder, k: str, d: int) -> str | None:
    words = b.pick(LSTR)
    if words is None:
        return None
    w = b.names.short(STR)
    element = b.rng.choice(
        (
            f"{w}.upper()",
            f"{w}.strip()",
            f"{w}[::-1]",
            f"{w}[:2]",
            f"{w} + {s_lit(b)}",
            w,
            f"{w}.title()",
        )
    )
    guard = ""
    if b.chance(0.5):
        guard = b.rng.choice(
            (f" if len({w}) > {positive_int(b.rng, 3)}", f" if {w}", f" if {ne_lit(b)} in {w}")
        )
    return f"[{element} for {w} in {words}{guard}]"


@maker(LSTR)
def _keys(b: Builder, k: str, d: int) -> str | None:
    table = b.pick(DICT)
    if table is None:
        return None
    k, v = b.names.short(STR), b.names.short(INT)
    return b.rng.choice(
        (
            f"list({table})",
            f"list({table}.keys())",
            f"sorted({table})",
            f"sorted({table}, key={table}.get)",
            f"[{k} for {k}, {v} in {table}.items() if {v} > {i_lit(b)}]",
        )
    )


@maker(LSTR)
def _str_of_ints(b: Builder, k: str, d: int) -> str | None:
    xs = b.pick(LINT, TUPLE)
    if xs is None:
        return None
    x = b.names.short(INT)
    return f"[str({x}) for {x} in {xs}]"


@maker(LSTR)
def _sorted_by(b: Builder, k: str, d: int) -> str | None:
    words = b.pick(LSTR)
    if words is None:
        return None
    w = b.names.short(STR)
    key = b.rng.choice(
        ("len", f"lambda {w}: ({w}[-1:], {w})", f"lambda {w}: -len({w})", "str.lower")
    )
    return f"sorted({words}, key={key})"


@maker(LSTR)
def _unique_words(b: Builder, k: str, d: int) -> str | None:
    words = b.pick(LSTR)
    return None if words is None else f"list(dict.fromkeys({words}))"


@maker(LINT, LSTR)
def _set_algebra(b: Builder, k: str, d: int) -> str | None:
    names = b.vars_of(k)
    if len(names) < 2:
        return None
    x, y = b.rng.sample(names, 2)
    op = b.rng.choice(("&", "|", "-"))
    return f"sorted(set({x}) {op} set({y}))"
