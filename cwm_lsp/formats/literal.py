"""A byte-level grammar of Python value reprs, for constrained decoding of values.

A traced value is what ``repr()`` printed: a number, a string or bytes, a
keyword (``None``, ``True``, ``False``, ``inf``, ``nan``), a list, tuple,
dict or set of values, a constructor repr (``Counter({'a': 1})``,
``ZeroDivisionError('division by zero')``, ``frozenset({1})``) or an
``<object ...>`` repr.  Without this grammar a small model writes
expressions where values belong (``text.rstrip('a')``, ``4, n=3 => 3``);
with it, such text is not a token the decoder can pick.

:func:`literal_step` advances a :class:`LiteralState` by one byte (None: not
allowed); :func:`literal_complete` says the bytes so far are one whole value;
:func:`literal_closing` gives bytes that finish a runaway value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

_OPEN = {ord("("): ord(")"), ord("["): ord("]"), ord("{"): ord("}")}
_CLOSE = set(_OPEN.values())
_QUOTES = (ord("'"), ord('"'))
_NL = ord("\n")
_WORD = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.")

#: words that are values by themselves
KEYWORDS = frozenset({"None", "True", "False", "inf", "nan", "Ellipsis", "..."})
#: lower-case names whose repr is ``name(...)``
LOWER_CONSTRUCTORS = frozenset(
    {
        "set",
        "frozenset",
        "range",
        "slice",
        "bytearray",
        "deque",
        "defaultdict",
        "array",
        "complex",
        "dict_keys",
        "dict_values",
        "dict_items",
        "odict_keys",
        "odict_values",
        "odict_items",
        "mappingproxy",
    }
)
#: module prefixes of qualified reprs (``datetime.date(2024, 1, 2)``)
MODULES = ("datetime.", "collections.", "decimal.", "fractions.", "re.", "array.")
STRING_PREFIXES = frozenset({"b", "B", "r", "R", "u", "U", "rb", "br", "Rb", "bR", "RB", "BR"})
_LOWER_WORDS = tuple(
    sorted(KEYWORDS | LOWER_CONSTRUCTORS | STRING_PREFIXES | {m.rstrip(".") for m in MODULES})
)
#: numbers as repr writes them: 0, 12, 1.5, 1e-05, 1.5e+16, 2j (no leading zeros, no "_")
_NUMBER = re.compile(r"(?:0|[1-9]\d*)(?:\.\d+)?(?:e[+-]\d+)?j?\Z")
_NUMBER_PREFIX = re.compile(
    r"(?:0|[1-9]\d*)(?:\.\d*|(?:\.\d+)?e(?:[+-]\d*)?|(?:\.\d+)?(?:e[+-]\d+)?j)?\Z"
)
#: dotted names: Counter, datetime.date
_NAME_PREFIX = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*\.?\Z")
_MAX_NAME = 48

# what the grammar expects next, outside strings and words
ATOM = "atom"  # a value must come (after a sign, a ':' in a dict)
OPEN = "open"  # a value or a closing bracket (just after an opening bracket or a ',')
AFTER = "after"  # a value just ended: a separator, a closing bracket or the end


@dataclass(frozen=True)
class LiteralState:
    #: closing brackets expected, innermost last; ``>`` for an ``<object>`` repr
    stack: tuple[int, ...] = ()
    quote: int = 0
    escape: bool = False
    word: bytes = b""
    expect: str = ATOM
    length: int = 0
    #: the separator just written (``,`` or ``:``): repr puts one space after it
    sep: int = 0


def _word_prefix_ok(word: bytes) -> bool:
    """Could ``word`` still grow into a number, keyword, constructor or string prefix?"""
    text = word.decode("ascii")
    if text[0].isdigit():
        return _NUMBER_PREFIX.match(text) is not None
    if text[0] == ".":
        return text in (".", "..", "...")
    if len(text) > _MAX_NAME or _NAME_PREFIX.match(text) is None:
        return False
    if text[0].isupper():
        return "." not in text  # a class name (module.Class starts with the module)
    if any(text.startswith(m) for m in MODULES):
        return True
    return any(w.startswith(text) for w in _LOWER_WORDS) or any(m.startswith(text) for m in MODULES)


def _standalone(word: bytes) -> bool:
    text = word.decode("ascii")
    return text in KEYWORDS or _NUMBER.match(text) is not None


def _constructor(word: bytes) -> bool:
    text = word.decode("ascii")
    last = text.rsplit(".", 1)[-1]
    if not last or not (last[0].isalpha() or last[0] == "_"):
        return False
    if "." in text and not any(text.startswith(m) for m in MODULES):
        return last[0].isupper()
    return last[0].isupper() or text in LOWER_CONSTRUCTORS or text.startswith(MODULES)


def _end_word(state: LiteralState) -> LiteralState | None:
    """The word before a non-word byte must be a whole value."""
    if not state.word:
        return state
    if not _standalone(state.word):
        return None
    return replace(state, word=b"", expect=AFTER)


def literal_step(state: LiteralState, byte: int) -> LiteralState | None:
    """``state`` after one more byte of the value, or None when the byte is not allowed."""
    if byte == _NL:
        return None
    length = state.length + 1
    if state.quote:
        if state.escape:
            return replace(state, escape=False, length=length)
        if byte == ord("\\"):
            return replace(state, escape=True, length=length)
        if byte == state.quote:
            return replace(state, quote=0, expect=AFTER, length=length)
        return replace(state, length=length)
    if state.stack and state.stack[-1] == ord(">"):  # inside <...>: free text
        if byte == ord(">"):
            return replace(state, stack=state.stack[:-1], expect=AFTER, length=length)
        if byte == ord("<"):  # nested: <function f.<locals>.g at 0x...>
            return replace(state, stack=(*state.stack, ord(">")), length=length)
        return replace(state, length=length)
    if state.sep:
        if byte == ord(" "):
            return replace(state, sep=0, length=length)
        if not (state.sep == ord(",") and byte == ord(")")):  # (1,)
            return None
        state = replace(state, sep=0)
    if byte in _WORD:
        word = state.word + bytes([byte])
        if not state.word and state.expect == AFTER:
            return None
        if not _word_prefix_ok(word):
            return None
        return replace(state, word=word, length=length)
    if byte in (ord("+"), ord("-")):
        if state.word:
            word = state.word + bytes([byte])
            if state.word[:1].isdigit() and _word_prefix_ok(word):  # an exponent: 1e-05
                return replace(state, word=word, length=length)
            if state.stack[-1:] == (ord(")"),) and _NUMBER.match(state.word.decode("ascii")):
                return replace(state, word=b"", expect=ATOM, length=length)  # complex: (1+2j)
            return None
        if state.expect == AFTER:
            return None
        return replace(state, expect=ATOM, length=length)
    if byte in _QUOTES:
        if state.word:
            if state.word.decode("ascii") not in STRING_PREFIXES:
                return None
        elif state.expect == AFTER:
            return None
        return replace(state, word=b"", quote=byte, length=length)
    if byte == ord("("):
        if state.word:
            if not _constructor(state.word):
                return None
        elif state.expect == AFTER:
            return None
        return replace(state, word=b"", stack=(*state.stack, ord(")")), expect=OPEN, length=length)
    if byte in _OPEN or byte == ord("<"):
        if state.word or state.expect == AFTER:
            return None
        closer = _OPEN.get(byte, ord(">"))
        return replace(state, stack=(*state.stack, closer), expect=OPEN, length=length)
    ended = _end_word(state)
    if ended is None:
        return None
    state = ended
    if byte == ord(" "):
        return None  # repr writes spaces only after a separator
    if byte in _CLOSE:
        if not state.stack or state.stack[-1] != byte or state.expect == ATOM:
            return None
        return replace(state, stack=state.stack[:-1], expect=AFTER, length=length)
    if byte == ord(","):
        if not state.stack or state.expect != AFTER:
            return None
        return replace(state, expect=OPEN, sep=byte, length=length)
    if byte == ord(":"):
        if not state.stack or state.stack[-1] != ord("}") or state.expect != AFTER:
            return None
        return replace(state, expect=ATOM, sep=byte, length=length)
    return None


def literal_feed(state: LiteralState, piece: bytes) -> LiteralState | None:
    for byte in piece:
        stepped = literal_step(state, byte)
        if stepped is None:
            return None
        state = stepped
    return state


def literal_complete(state: LiteralState) -> bool:
    """The bytes so far are one whole value (a separator or the end may follow)."""
    if state.stack or state.quote:
        return False
    if state.word:
        return _standalone(state.word)
    return state.expect == AFTER


def literal_closing(state: LiteralState) -> bytes:
    """Bytes that make a runaway value whole (the shortest this simple search finds)."""
    out = b""
    for _ in range(64 + 2 * len(state.stack)):
        if literal_complete(state):
            return out
        for candidate in _closing_candidates(state):
            stepped = literal_feed(state, candidate)
            if stepped is not None:
                state = stepped
                out += candidate
                break
        else:
            break
    raise ValueError("the value cannot be closed")


def _closing_candidates(state: LiteralState) -> list[bytes]:
    if state.sep:
        return [b" ", b")"]
    if state.quote:
        return [b"x" if state.escape else bytes([state.quote])]
    if state.stack and state.stack[-1] == ord(">"):
        return [b">"]
    candidates: list[bytes] = []
    if state.word and _standalone(state.word) and state.stack:
        return [bytes([state.stack[-1]])]
    if state.word:
        text = state.word.decode("ascii")
        if text[0].isdigit() or text[0] == ".":
            candidates += [b"0", b"1", b"+1"]
        candidates += [b"(", b"''", b"X(", b".X("]  # constructor, string prefix, module
        candidates += [
            w[len(text) :].encode() for w in _LOWER_WORDS if w.startswith(text) and w != text
        ]
    if state.expect == ATOM or (state.expect == OPEN and not state.stack):
        candidates.append(b"None")
    if state.stack:
        candidates.append(bytes([state.stack[-1]]))
    candidates.append(b"None")
    return candidates
