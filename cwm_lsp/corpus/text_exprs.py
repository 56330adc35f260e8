"""Expression makers for strings and bools (see :mod:`~cwm_lsp.corpus.expressions`)."""

from __future__ import annotations

from cwm_lsp.corpus.builder import Builder, paren
from cwm_lsp.corpus.expressions import expression, i_lit, maker, ne_lit, recv, s_lit, sub, two
from cwm_lsp.corpus.kinds import BOOL, DICT, INT, LINT, LSTR, SEPARATORS, STR, TUPLE, positive_int

# ---- str -------------------------------------------------------------------------


@maker(STR, STR)
def _str_method(b: Builder, k: str, d: int) -> str | None:
    s = recv(b, STR, d)
    if s is None:
        return None
    method = b.rng.choice(
        ("upper", "lower", "strip", "title", "capitalize", "swapcase", "lstrip", "rstrip")
    )
    if method.endswith("strip") and b.chance(0.4):
        return f"{s}.{method}({ne_lit(b)})"
    return f"{s}.{method}()"


@maker(STR, STR)
def _replace(b: Builder, k: str, d: int) -> str | None:
    s = recv(b, STR, d)
    if s is None:
        return None
    count = f", {positive_int(b.rng, 2)}" if b.chance(0.25) else ""
    return f"{s}.replace({ne_lit(b)}, {s_lit(b)}{count})"


@maker(STR, STR)
def _join(b: Builder, k: str, d: int) -> str | None:
    words = recv(b, LSTR, d)
    if words is None:
        return None
    sep = repr(b.rng.choice(("", "", *SEPARATORS)))
    inner = b.rng.choice((words, words, f"sorted({words})", f"reversed({words})"))
    return f"{sep}.join({inner})"


@maker(STR, STR)
def _slice(b: Builder, k: str, d: int) -> str | None:
    s = recv(b, STR, d)
    if s is None:
        return None
    i, j = b.rng.sample(("", "", "1", "2", "-1", "-2", "3"), 2)
    shape = b.rng.choice(("::-1", f"{i}:{j}", f"{i}:", f":{j}", "::2", "1::2", f":{b.atom(INT)}"))
    return f"{s}[{shape}]"


@maker(STR)
def _concat(b: Builder, k: str, d: int) -> str | None:
    roll = b.rng.random()
    if roll < 0.4:
        pair = two(b, STR, d)
        return None if pair is None else f"{pair[0]} + {pair[1]}"
    if roll < 0.6:
        return f"{sub(b, STR, d)} + str({b.atom(INT)})"
    if roll < 0.8:
        s, n = b.pick(STR), b.pick(INT)
        if s is None or n is None:
            return None
        return f"f'{{{s}}}{b.rng.choice(SEPARATORS)}{{{n}}}'"
    if b.in_loop:
        return None
    return f"{paren(b.atom(STR))} * {positive_int(b.rng, 3)}"


@maker(STR)
def _pad(b: Builder, k: str, d: int) -> str | None:
    s = recv(b, STR, d)
    if s is None:
        return None
    width = positive_int(b.rng, 9)
    method = b.rng.choice(("center", "ljust", "rjust", "zfill"))
    if method == "zfill":
        return f"{s}.zfill({width})"
    return f"{s}.{method}({width}, {b.rng.choice((*SEPARATORS, '*', '0'))!r})"


@maker(STR)
def _from_int(b: Builder, k: str, d: int) -> str | None:
    return b.rng.choice(("str({})", "str({})", "bin({})", "hex({})")).format(sub(b, INT, d))


@maker(STR)
def _first_of(b: Builder, k: str, d: int) -> str | None:
    seq = b.pick(STR, LSTR)
    index = b.rng.choice(("0", "-1"))
    return None if seq is None else f"{seq}[{index}] if {seq} else {s_lit(b)}"


@maker(STR)
def _split_first(b: Builder, k: str, d: int) -> str | None:
    s = recv(b, STR, d)
    if s is None:
        return None
    sep = repr(b.rng.choice(SEPARATORS))
    return b.rng.choice(
        (
            f"{s}.split({sep})[0]",
            f"{s}.split({sep})[-1]",
            f"{s}.partition({sep})[2]",
            f"{s}.rpartition({sep})[0]",
        )
    )


@maker(STR)
def _affix(b: Builder, k: str, d: int) -> str | None:
    s = recv(b, STR, d)
    method = b.rng.choice(("removeprefix", "removesuffix"))
    return None if s is None else f"{s}.{method}({ne_lit(b)})"


@maker(STR)
def _sorted_chars(b: Builder, k: str, d: int) -> str | None:
    s = b.pick(STR)
    if s is None:
        return None
    return b.rng.choice(
        (f"''.join(sorted({s}))", f"''.join(reversed({s}))", f"' '.join({s}.split())")
    )


@maker(STR)
def _choice_str(b: Builder, k: str, d: int) -> str | None:
    return f"{s_lit(b)} if {expression(b, BOOL, 0)} else {sub(b, STR, d)}"


@maker(STR)
def _best_key(b: Builder, k: str, d: int) -> str | None:
    table = b.pick(DICT)
    fn = b.rng.choice(("max", "min"))
    key = b.rng.choice((f", key={table}.get", ""))
    return None if table is None else f"{fn}({table}{key}) if {table} else {s_lit(b)}"


@maker(STR)
def _translate(b: Builder, k: str, d: int) -> str | None:
    s = b.pick(STR)
    if s is None:
        return None
    old = "".join(b.rng.sample("abcdexyz", 2))
    new = "".join(b.rng.sample("ABCDEXYZ019", 2))
    return f"{s}.translate(str.maketrans({old!r}, {new!r}))"


@maker(STR)
def _format(b: Builder, k: str, d: int) -> str | None:
    s, n = b.atom(STR), b.atom(INT)
    sep = b.rng.choice(SEPARATORS)
    return b.rng.choice(
        (
            f"'{{}}{sep}{{}}'.format({s}, {n})",
            f"'%s{sep}%d' % ({s}, {n})",
            f"'{{0}}{{0}}'.format({s})",
        )
    )


@maker(STR)
def _shift_chars(b: Builder, k: str, d: int) -> str | None:
    s = b.pick(STR)
    if s is None:
        return None
    c = b.names.short(STR)
    shift = b.rng.choice((1, 1, 2, -1))
    return f"''.join(chr(ord({c}) + {shift}) for {c} in {s})"


# ---- bool ------------------------------------------------------------------------


@maker(BOOL, BOOL)
def _str_test(b: Builder, k: str, d: int) -> str | None:
    s = recv(b, STR, d)
    if s is None:
        return None
    method = b.rng.choice(
        ("isdigit", "isalpha", "isalnum", "isupper", "islower", "isspace", "startswith", "endswith")
    )
    argument = ne_lit(b) if method in ("startswith", "endswith") else ""
    return f"{s}.{method}({argument})"


@maker(BOOL, BOOL)
def _membership(b: Builder, k: str, d: int) -> str | None:
    kind = b.rng.choice((STR, LINT, LSTR, DICT, TUPLE))
    container = b.pick(kind)
    if container is None:
        return None
    element = {STR: STR, LINT: INT, LSTR: STR, DICT: STR, TUPLE: INT}[kind]
    op = b.rng.choice(("in", "in", "not in"))
    needle = ne_lit(b) if element == STR and b.chance(0.5) else b.atom(element)
    return f"{needle} {op} {container}"


@maker(BOOL, BOOL)
def _compare(b: Builder, k: str, d: int) -> str | None:
    pair = two(b, INT, d)
    if pair is None:
        return None
    op = b.rng.choice((">", "<", ">=", "<=", "==", "!="))
    return f"{pair[0]} {op} {pair[1]}"


@maker(BOOL)
def _emptiness(b: Builder, k: str, d: int) -> str | None:
    seq = b.pick(STR, LINT, LSTR, DICT, TUPLE)
    if seq is None:
        return None
    return b.rng.choice((f"not {seq}", f"len({seq}) > {positive_int(b.rng, 3)}", f"bool({seq})"))


@maker(BOOL)
def _quantifier(b: Builder, k: str, d: int) -> str | None:
    xs = b.pick(LINT, LSTR)
    if xs is None:
        return None
    fn = b.rng.choice(("all", "any"))
    if b.scope[xs] == LINT:
        x = b.names.short(INT)
        return f"{fn}({x} {b.rng.choice(('>', '<', '!='))} {i_lit(b)} for {x} in {xs})"
    w = b.names.short(STR)
    test = b.rng.choice((f"{w}.isdigit()", f"{w}.startswith({ne_lit(b)})", f"len({w}) > 2"))
    return f"{fn}({test} for {w} in {xs})"


@maker(BOOL)
def _palindrome(b: Builder, k: str, d: int) -> str | None:
    s = b.pick(STR, LINT)
    return None if s is None else f"{s} == {s}[::-1]"


@maker(BOOL)
def _parity(b: Builder, k: str, d: int) -> str | None:
    return f"{paren(sub(b, INT, d))} % 2 == {b.rng.choice((0, 1))}"
