"""Expression makers for dicts and tuples (see :mod:`~cwm_lsp.corpus.expressions`)."""

from __future__ import annotations

from cwm_lsp.corpus.builder import Builder
from cwm_lsp.corpus.expressions import i_lit, maker, ne_lit, recv, s_lit, sub, two
from cwm_lsp.corpus.kinds import DICT, INT, LINT, LSTR, STR, TUPLE, positive_int

# ---- dict[str, int] --------------------------------------------------------------


@maker(DICT, DICT)
def _dict_comprehension(b: Builder, k: str, d: int) -> str | None:
    seq = b.pick(LSTR, STR)
    if seq is None:
        return None
    w = b.names.short(STR)
    if b.scope[seq] == STR:
        return f"{{{w}: {seq}.count({w}) for {w} in {seq}}}"
    value = b.rng.choice((f"len({w})", f"{w}.count({ne_lit(b)})", "0", f"{seq}.count({w})"))
    return f"{{{w}: {value} for {w} in {seq}}}"


@maker(DICT)
def _dict_filter(b: Builder, k: str, d: int) -> str | None:
    table = b.pick(DICT)
    if table is None:
        return None
    k, v = b.names.short(STR), b.names.short(INT)
    value = b.rng.choice((v, f"{v} * 2", f"{v} + 1", f"-{v}"))
    guard = b.rng.choice(("", f" if {v} > {i_lit(b)}", f" if {k} != {s_lit(b)}"))
    return f"{{{k}: {value} for {k}, {v} in {table}.items(){guard}}}"


@maker(DICT)
def _dict_zip(b: Builder, k: str, d: int) -> str | None:
    keys, values = b.pick(LSTR), b.pick(LINT, TUPLE)
    if keys is None or values is None:
        return None
    return f"dict(zip({keys}, {values}))"


@maker(DICT)
def _dict_copy(b: Builder, k: str, d: int) -> str | None:
    table = b.pick(DICT)
    if table is None:
        return None
    return b.rng.choice(
        (f"dict({table})", f"{table}.copy()", f"{{**{table}, {s_lit(b)}: {sub(b, INT, d)}}}")
    )


@maker(DICT)
def _dict_literal(b: Builder, k: str, d: int) -> str | None:
    words = b.pick(LSTR)
    if words is not None and b.chance(0.5):
        w, i = b.names.short(STR), b.names.short(INT)
        return b.rng.choice(
            (f"dict.fromkeys({words}, 0)", f"{{{w}: {i} for {i}, {w} in enumerate({words})}}")
        )
    return f"{{{s_lit(b)}: {sub(b, INT, d)}}}"


# ---- tuple[int, ...] -------------------------------------------------------------


@maker(TUPLE)
def _tuple_of(b: Builder, k: str, d: int) -> str | None:
    xs = recv(b, b.rng.choice((LINT, TUPLE)), d)
    if xs is None:
        return None
    return b.rng.choice((f"tuple({xs})", f"tuple(sorted({xs}))", f"tuple({xs}[::-1])"))


@maker(TUPLE, TUPLE)
def _pair(b: Builder, k: str, d: int) -> str | None:
    pair = two(b, INT, d)
    return None if pair is None else f"({pair[0]}, {pair[1]})"


@maker(TUPLE)
def _divmod(b: Builder, k: str, d: int) -> str | None:
    return f"divmod({b.atom(INT)}, {positive_int(b.rng, 4) + 1})"


@maker(TUPLE)
def _extend_tuple(b: Builder, k: str, d: int) -> str | None:
    t = b.pick(TUPLE)
    if t is None:
        return None
    return b.rng.choice((f"{t} + ({b.atom(INT)},)", f"{t}[1:]", f"{t}[:-1]"))


@maker(TUPLE)
def _min_max(b: Builder, k: str, d: int) -> str | None:
    xs = b.pick(LINT, TUPLE)
    return None if xs is None else f"(min({xs}), max({xs})) if {xs} else (0, 0)"


@maker(TUPLE)
def _lengths(b: Builder, k: str, d: int) -> str | None:
    a, c = b.pick(STR, LSTR, LINT, DICT), b.pick(STR, LSTR, LINT, DICT)
    if a is None or c is None:
        return None
    return f"(len({a}), len({c}))"
