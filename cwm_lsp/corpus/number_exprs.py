"""Expression makers for ints and floats (see :mod:`~cwm_lsp.corpus.expressions`)."""

from __future__ import annotations

from cwm_lsp.corpus.builder import Builder, paren
from cwm_lsp.corpus.expressions import i_lit, maker, ne_lit, recv, s_lit, sub, two
from cwm_lsp.corpus.kinds import DICT, FLOAT, INT, LINT, LSTR, STR, TUPLE, VOWELS, positive_int

# ---- int -------------------------------------------------------------------------


@maker(INT)
def _length(b: Builder, k: str, d: int) -> str | None:
    name = recv(b, b.rng.choice((STR, LINT, LSTR, DICT, TUPLE)), d)
    return None if name is None else f"len({name})"


@maker(INT)
def _str_count(b: Builder, k: str, d: int) -> str | None:
    s = recv(b, STR, d)
    method = b.rng.choice(("count", "find", "rfind", "count"))
    return None if s is None else f"{s}.{method}({ne_lit(b)})"


@maker(INT)
def _list_count(b: Builder, k: str, d: int) -> str | None:
    xs = b.pick(LINT, TUPLE)
    return None if xs is None else f"{xs}.count({sub(b, INT, d)})"


@maker(INT)
def _aggregate(b: Builder, k: str, d: int) -> str | None:
    xs = recv(b, b.rng.choice((LINT, TUPLE)), d)
    if xs is None:
        return None
    roll = b.rng.random()
    if roll < 0.4:
        return f"sum({xs})"
    fn = b.rng.choice(("max", "min"))
    if roll < 0.7:
        return f"{fn}({xs}, default={i_lit(b)})"
    return f"{fn}({xs}) if {xs} else {i_lit(b)}"


@maker(INT, INT)
def _arith(b: Builder, k: str, d: int) -> str | None:
    pair = two(b, INT, d)
    if pair is None:
        return None
    op = b.rng.choice(("+", "-", "*", "+", "-"))
    return f"{pair[0]} {op} {pair[1]}"


@maker(INT)
def _floor_mod(b: Builder, k: str, d: int) -> str | None:
    op = b.rng.choice(("//", "%"))
    return f"{sub(b, INT, d)} {op} {positive_int(b.rng, 5) + 1}"


@maker(INT)
def _int_builtin(b: Builder, k: str, d: int) -> str | None:
    fn = b.rng.choice(("abs", "min", "max"))
    if fn == "abs":
        return f"abs({sub(b, INT, d)})"
    pair = two(b, INT, d)
    return None if pair is None else f"{fn}({pair[1]}, {pair[0]})"


@maker(INT)
def _dict_get(b: Builder, k: str, d: int) -> str | None:
    table = b.pick(DICT)
    if table is None:
        return None
    key = b.pick(STR) if b.chance(0.4) else None
    return f"{table}.get({key or s_lit(b)}, {i_lit(b)})"


@maker(INT)
def _parse_digits(b: Builder, k: str, d: int) -> str | None:
    s = b.pick(STR)
    return None if s is None else f"int({s}) if {s}.isdigit() else {i_lit(b)}"


@maker(INT)
def _ord_first(b: Builder, k: str, d: int) -> str | None:
    s = b.pick(STR)
    return None if s is None else f"ord({s}[0]) if {s} else 0"


@maker(INT)
def _conditional_int(b: Builder, k: str, d: int) -> str | None:
    x, y = b.atom(INT), b.atom(INT)
    if x == y:
        return None
    op = b.rng.choice((">", "<", ">=", "=="))
    return f"{x} if {x} {op} {y} else {y}"


@maker(INT)
def _count_matching(b: Builder, k: str, d: int) -> str | None:
    s = b.pick(STR, LSTR)
    if s is None:
        return None
    c = b.names.short(STR)
    if b.scope[s] == STR:
        return f"sum(1 for {c} in {s} if {c} in {VOWELS[b.rng.randrange(len(VOWELS))]!r})"
    return f"sum(len({c}) for {c} in {s})"


@maker(INT)
def _last_or(b: Builder, k: str, d: int) -> str | None:
    xs = b.pick(LINT, TUPLE)
    index = b.rng.choice(("0", "-1"))
    return None if xs is None else f"{xs}[{index}] if {xs} else {i_lit(b)}"


@maker(INT)
def _index_of(b: Builder, k: str, d: int) -> str | None:
    s = b.pick(STR, LINT)
    if s is None:
        return None
    needle = ne_lit(b) if b.scope[s] == STR else b.atom(INT)
    return f"{s}.index({needle}) if {needle} in {s} else -1"


@maker(INT)
def _square(b: Builder, k: str, d: int) -> str | None:
    return None if b.in_loop else f"{paren(b.atom(INT))} ** {b.rng.choice((2, 2, 3))}"


@maker(INT)
def _distinct(b: Builder, k: str, d: int) -> str | None:
    seq = b.pick(LINT, LSTR, STR, TUPLE)
    if seq is None:
        return None
    if b.scope[seq] in (LINT, TUPLE) and b.chance(0.5):
        x = b.names.short(INT)
        return f"len({{{x} % {positive_int(b.rng, 3) + 1} for {x} in {seq}}})"
    return f"len(set({seq}))"


# ---- float -----------------------------------------------------------------------


@maker(FLOAT)
def _divide(b: Builder, k: str, d: int) -> str | None:
    return f"{sub(b, INT, d)} / {positive_int(b.rng, 4)}"


@maker(FLOAT)
def _mean(b: Builder, k: str, d: int) -> str | None:
    xs = b.pick(LINT, TUPLE)
    return None if xs is None else f"sum({xs}) / len({xs}) if {xs} else 0.0"


@maker(FLOAT)
def _rounded(b: Builder, k: str, d: int) -> str | None:
    return f"round({sub(b, INT, d)} / {positive_int(b.rng, 7)}, {b.rng.choice((1, 2))})"
