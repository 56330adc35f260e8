"""Value kinds of the program generator, and random values of each kind.

A *kind* is what a generated variable holds (``"str"``, ``"list[int]"`` ...).
The generator keeps the kind of every name in scope so each expression it
writes is well typed; this module also draws the constants written into the
code and the argument values the generated function is called with.  Values
are small (short strings, short lists, small ints) so traces stay short.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Final

INT: Final = "int"
STR: Final = "str"
BOOL: Final = "bool"
FLOAT: Final = "float"
LINT: Final = "list[int]"
LSTR: Final = "list[str]"
DICT: Final = "dict[str, int]"
TUPLE: Final = "tuple[int, ...]"

KINDS: Final = (INT, STR, BOOL, FLOAT, LINT, LSTR, DICT, TUPLE)
#: Kinds a parameter may have; repeats weight the draw.
PARAM_KINDS: Final = (STR, STR, STR, INT, INT, LINT, LINT, LSTR, LSTR, DICT, DICT, TUPLE)
#: Kinds a function may return; repeats weight the draw.
RETURN_KINDS: Final = (STR, STR, INT, INT, LINT, LSTR, DICT, BOOL, TUPLE, FLOAT)
#: Kinds that can be iterated by a ``for`` loop.
ITERABLE_KINDS: Final = (STR, LINT, LSTR, DICT, TUPLE)
#: Mutable kinds (methods change them in place).
MUTABLE_KINDS: Final = (LINT, LSTR, DICT)

WORDS: Final = (
    "a", "b", "ab", "abc", "cat", "dog", "sun", "sky", "red", "blue", "one", "two", "key",
    "val", "py", "data", "item", "node", "x", "y", "hello", "world", "foo", "bar", "tree",
    "A", "Bob", "Zed", "ok", "no", "yes", "up", "it", "moon", "code", "tea", "pen",
)  # fmt: skip
SEPARATORS: Final = (" ", ",", "-", "_", ":", ".", "/", "|", ";")
LETTERS: Final = "abcdexyzAB"
VOWELS: Final = ("aeiou", "aeiouAEIOU", "xyz", "ab")


def small_int(rng: random.Random) -> int:
    """A small int, mostly 0..9, sometimes negative."""
    return rng.choice((0, 1, 1, 2, 2, 2, 3, 3, 4, 4, 5, 6, 7, 8, 9, 10, 12, -1, -2, -3))


def positive_int(rng: random.Random, high: int = 5) -> int:
    return rng.randint(1, high)


def code_str(rng: random.Random) -> str:
    """A short string constant for the code: a letter, a word, a separator or a digit."""
    roll = rng.random()
    if roll < 0.35:
        return rng.choice(LETTERS[:8])
    if roll < 0.65:
        return rng.choice(WORDS)
    if roll < 0.9:
        return rng.choice(SEPARATORS)
    return str(rng.randint(0, 9))


def nonempty_code_str(rng: random.Random) -> str:
    return code_str(rng) or "a"


def random_str(rng: random.Random, hints: Sequence[str] = ()) -> str:
    """An input string: words joined by a separator, letters, digits, padding ..."""
    roll = rng.random()
    if roll < 0.05:
        return ""
    if roll < 0.2:
        return rng.choice(WORDS)
    if roll < 0.5:
        seps = [*SEPARATORS, *(h for h in hints if len(h) == 1 and not h.isalnum())]
        words = [_word(rng, hints) for _ in range(rng.randint(2, 4))]
        return rng.choice(seps).join(words)
    if roll < 0.65:
        return "".join(rng.choice(LETTERS) for _ in range(rng.randint(1, 8)))
    if roll < 0.75:
        return str(rng.randint(0, 999)).zfill(rng.choice((1, 1, 3)))
    if roll < 0.85:
        return _word(rng, hints) + str(rng.randint(0, 99))
    if roll < 0.93:
        pad = rng.choice(("  ", " ", "--", "**", ".."))
        return pad + _word(rng, hints) + pad[: rng.randint(0, len(pad))]
    return _word(rng, hints).upper()


def _word(rng: random.Random, hints: Sequence[str]) -> str:
    words = [h for h in hints if h.isalnum()]
    if words and rng.random() < 0.35:
        return rng.choice(words)
    return rng.choice(WORDS)


def random_value(rng: random.Random, kind: str, hints: Sequence[str] = ()) -> object:
    """A random argument value of ``kind``; ``hints`` are string constants of the code."""
    if kind == INT:
        return small_int(rng)
    if kind == STR:
        return random_str(rng, hints)
    if kind == BOOL:
        return rng.random() < 0.5
    if kind == FLOAT:
        return rng.choice((0.5, 1.5, 2.0, 2.25, -1.0, 3.75))
    if kind == LINT:
        return [small_int(rng) for _ in range(rng.choice((0, 1, 2, 3, 3, 4, 4, 5, 5, 6, 7)))]
    if kind == LSTR:
        return [_list_item(rng, hints) for _ in range(rng.randint(0, 5))]
    if kind == DICT:
        keys = [_word(rng, hints) for _ in range(rng.randint(0, 4))]
        return {key: small_int(rng) for key in keys}
    if kind == TUPLE:
        return tuple(small_int(rng) for _ in range(rng.randint(0, 4)))
    raise ValueError(f"unknown kind {kind!r}")


def _list_item(rng: random.Random, hints: Sequence[str]) -> str:
    roll = rng.random()
    if roll < 0.6:
        return _word(rng, hints)
    if roll < 0.75:
        return str(rng.randint(0, 99))
    if roll < 0.9:
        return random_str(rng, hints)
    return ""


def literal(rng: random.Random, kind: str) -> str:
    """A literal of ``kind`` as source text, for a constant written in the code."""
    if kind == INT:
        return str(small_int(rng))
    if kind == STR:
        return repr(code_str(rng))
    if kind == BOOL:
        return rng.choice(("True", "False"))
    if kind == FLOAT:
        return rng.choice(("0.5", "1.5", "2.0", "0.25"))
    if kind == LINT:
        return repr([small_int(rng) for _ in range(rng.randint(0, 3))])
    if kind == LSTR:
        return repr([rng.choice(WORDS) for _ in range(rng.randint(0, 3))])
    if kind == DICT:
        return repr({rng.choice(WORDS): small_int(rng) for _ in range(rng.randint(0, 2))})
    if kind == TUPLE:
        return repr(tuple(small_int(rng) for _ in range(rng.randint(0, 3))))
    raise ValueError(f"unknown kind {kind!r}")


def empty_literal(kind: str) -> str:
    """The 'nothing' value of ``kind``: ``0``, ``''``, ``[]`` ..."""
    return {
        INT: "0",
        STR: "''",
        BOOL: "False",
        FLOAT: "0.0",
        LINT: "[]",
        LSTR: "[]",
        DICT: "{}",
        TUPLE: "()",
    }[kind]


def args_text(values: Sequence[object], keywords: Sequence[tuple[str, object]] = ()) -> str:
    """Argument values as the tracer's args text: ``"'ab', 3"``, ``"(1, 2),"``, ``"'x', n=2"``."""
    parts = [repr(value) for value in values]
    parts += [f"{name}={value!r}" for name, value in keywords]
    text = ", ".join(parts)
    if len(values) == 1 and not keywords and isinstance(values[0], tuple):
        text += ","  # one tuple argument, not a tuple of arguments
    return text
