"""Names for generated functions and variables, drawn at random but never twice."""

from __future__ import annotations

import builtins
import keyword
import random

from cwm_lsp.corpus.kinds import BOOL, DICT, FLOAT, INT, LINT, LSTR, STR, TUPLE

_BY_KIND: dict[str, tuple[str, ...]] = {
    STR: (
        "s", "text", "word", "line", "name", "prefix", "suffix", "label", "token", "chunk",
        "msg", "part", "head", "tail", "buf", "title", "code", "tag", "st", "string", "path",
    ),
    INT: (
        "n", "k", "i", "j", "count", "total", "idx", "pos", "size", "width", "step", "num",
        "m", "acc", "limit", "score", "delta", "offset", "start", "stop", "cnt", "depth",
    ),
    BOOL: ("flag", "ok", "found", "done", "valid", "matched", "changed", "seen_it"),
    FLOAT: ("avg", "ratio", "mean", "frac", "share", "rate"),
    LINT: (
        "nums", "xs", "values", "arr", "lst", "scores", "stack", "queue", "seq", "ints",
        "digits", "sizes", "numbers", "ns", "vals", "heights", "marks",
    ),
    LSTR: (
        "words", "parts", "names", "tokens", "lines", "chars", "pieces", "labels", "fields",
        "tags", "strs", "items", "keys", "letters", "cols",
    ),
    DICT: (
        "d", "counts", "mapping", "table", "index", "freq", "lookup", "memo", "totals",
        "cache", "registry", "dic", "stock", "ages", "tally",
    ),
    TUPLE: ("t", "pair", "point", "coords", "bounds", "triple", "rec", "span", "tup"),
}  # fmt: skip

_GENERIC = (
    "a", "b", "c", "x", "y", "z", "v", "w", "p", "q", "r", "u", "tmp", "val", "result", "res",
    "ans", "ret", "out", "value", "obj", "elem", "data", "temp", "new", "cur", "prev", "base",
)  # fmt: skip

_SHORT = {
    INT: ("x", "y", "v", "n", "num", "i", "j", "k", "el", "val"),
    STR: ("w", "c", "ch", "s", "part", "tok", "word", "piece", "sub", "item"),
}

_VERBS = (
    "get", "count", "find", "make", "build", "clean", "merge", "split", "parse", "compute",
    "check", "update", "transform", "process", "select", "order", "collect", "normalize",
    "encode", "render", "shift", "rotate", "pack", "scan", "trim", "fold", "group", "rank",
    "tally", "mix", "swap", "expand", "reduce", "pick", "match", "join", "mark", "score",
)  # fmt: skip
_NOUNS = (
    "words", "items", "text", "chars", "pairs", "counts", "values", "keys", "line", "record",
    "string", "list", "nums", "data", "tokens", "table", "parts", "name", "digits", "groups",
    "entries", "row", "labels", "stack", "prefix", "totals", "letters", "codes", "scores",
)  # fmt: skip
_PLAIN_FUNCTIONS = ("f", "g", "h", "solve", "func", "main_func", "run", "calc", "fn", "op")
_PLAIN_HELPERS = ("helper", "_helper", "aux", "inner", "step", "combine", "key_of", "one")

#: Names a generated program must not bind: keywords and builtins it may call.
RESERVED = frozenset(keyword.kwlist) | frozenset(dir(builtins)) | {"_"}


class NamePool:
    """Fresh identifiers for one generated program: each name is used once."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def variable(self, kind: str) -> str:
        """A new variable name fitting ``kind`` (sometimes a generic one)."""
        pool = _GENERIC if self.rng.random() < 0.25 else _BY_KIND[kind]
        return self._fresh(pool)

    def short(self, kind: str) -> str:
        """A short name for a comprehension or loop variable holding one element."""
        pool = _SHORT.get(kind, _GENERIC)
        return self._fresh(pool)

    def exception(self) -> str:
        """A name for a caught exception: ``e``, ``err``, ``exc`` ..."""
        return self._fresh(("e", "err", "exc", "error", "ex"))

    def function(self) -> str:
        if self.rng.random() < 0.2:
            return self._fresh(_PLAIN_FUNCTIONS)
        return self._fresh(tuple(f"{v}_{n}" for v in _VERBS for n in _NOUNS))

    def helper(self) -> str:
        if self.rng.random() < 0.3:
            return self._fresh(_PLAIN_HELPERS)
        prefix = "_" if self.rng.random() < 0.3 else ""
        return prefix + self._fresh(tuple(f"{v}_{n}" for v in _VERBS for n in _NOUNS[:10]))

    def reserve(self, name: str) -> None:
        self.used.add(name)

    def _fresh(self, pool: tuple[str, ...]) -> str:
        free = [name for name in pool if name not in self.used and name not in RESERVED]
        if free:
            name = self.rng.choice(free)
        else:
            base = self.rng.choice(pool)
            number = 2
            while f"{base}{number}" in self.used:
                number += 1
            name = f"{base}{number}"
        self.used.add(name)
        return name
