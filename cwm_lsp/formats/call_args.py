"""Invented call inputs: one Python literal per parameter, of the kind the code wants.

A call is a sequence of :class:`Forced` text (``Inventory(``, ``, ``,
``).add(``, ``)\\n``) and :class:`Value` slots.  Each slot is one Python
literal under the repr grammar (:mod:`cwm_lsp.formats.literal`), restricted
to its parameter's :class:`~cwm_lsp.analysis.param_usage.Kind`: a ``str``
opens with a quote, a number is digits, a ``list`` opens with ``[``, a
``dict`` with ``{`` and holds ``key: value`` pairs, a ``sequence`` is a list,
a tuple or a string, a ``container`` a list, a dict or a set, a
``subscriptable`` or a ``collection`` any of these, a list of ``str`` holds
strings; ``any`` is any literal.
Inputs are literals ``ast.literal_eval`` reads (what the real tracer will
evaluate): no ``Name(...)`` or ``<object>`` reprs.  The number of slots is the
signature's, so an invented call always has the arguments the function takes
(a parameter with a default keeps it).  :meth:`CallMachine.fillers` is the
call with every slot a plain value of its kind (``''``, ``0``, ``[]``), for a
model that cannot finish one.

:class:`CallMachine` is the byte-level machine the generic format decodes
the slots with; :meth:`CallMachine.forced` hands the forced text to the
decoder without asking the model.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from cwm_lsp.analysis.param_usage import ANY, Kind
from cwm_lsp.formats.constraints import Machine
from cwm_lsp.formats.literal import (
    ATOM,
    OPEN,
    LiteralState,
    literal_closing,
    literal_complete,
    literal_step,
)

_QUOTES = frozenset(b"'\"")
_DIGITS = frozenset(b"0123456789")
#: bytes a number may hold (the grammar keeps their order right)
_NUMBER_BYTES = {"int": frozenset(b"0123456789-"), "number": frozenset(b"0123456789-.e+")}
#: an input number has at most this many characters
_MAX_DIGITS = 12
#: the words an input literal may hold besides numbers
_WORDS = (b"None", b"True", b"False", b"b", b"r", b"rb", b"br", b"u")
#: what a slot that has to be closed in a hurry becomes
_FILLER = {
    "str": "''",
    "int": "0",
    "number": "0",
    "bool": "False",
    "list": "[]",
    "sequence": "[]",
    "subscriptable": "[]",
    "container": "[]",
    "collection": "[]",
    "dict": "{}",
}


@dataclass(frozen=True)
class Forced:
    text: str


@dataclass(frozen=True)
class Value:
    kind: Kind = ANY
    #: any repr (``deque([1])``, ``<Shelf>``), not only literals: a state, not an input
    reprs: bool = False


Segment = Forced | Value


def _first_ok(kind: str, byte: int) -> bool:
    """May a value of ``kind`` start with ``byte``?"""
    if kind == "str":
        return byte in _QUOTES
    if kind in ("int", "number"):
        return byte in _DIGITS or byte == ord("-")
    if kind == "bool":
        return byte in b"TF"
    if kind == "list":
        return byte == ord("[")
    if kind == "dict":
        return byte == ord("{")
    if kind == "sequence":
        return byte in b"[(" or byte in _QUOTES
    if kind == "subscriptable":
        return byte in b"[({" or byte in _QUOTES
    if kind == "container":
        return byte in b"[{"
    if kind == "collection":
        return byte in b"[({" or byte in _QUOTES
    return True


def _literal_word(word: bytes) -> bool:
    """Can ``word`` grow into a number, ``None``/``True``/``False`` or a string prefix?"""
    if word[:1].isdigit():
        return True
    return any(w.startswith(word) for w in _WORDS)


def fits(kind: Kind, text: str) -> bool:
    """Is ``text`` (a whole literal) a value of ``kind``?"""
    if kind.name == "any":
        return True
    try:
        value = ast.literal_eval(text)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    types: dict[str, tuple[type, ...]] = {
        "str": (str,),
        "int": (int,),
        "number": (int, float),
        "bool": (bool,),
        "list": (list,),
        "dict": (dict,),
        "sequence": (list, tuple, str),
        "subscriptable": (list, tuple, str, dict),
        "container": (list, dict, set),
        "collection": (list, tuple, str, dict, set),
    }
    wanted = types.get(kind.name)
    if wanted is None or not isinstance(value, wanted):
        return False
    if isinstance(value, bool) and kind.name != "bool":
        return False
    if kind.item != "any" and isinstance(value, list | tuple):
        return all(fits(Kind(kind.item), repr(item)) for item in value)
    return True


@dataclass(frozen=True)
class _Slot:
    """Where the machine is: a segment, and in a forced one how far, in a value its state."""

    segment: int = 0
    offset: int = 0
    lit: LiteralState = field(default_factory=LiteralState)
    text: bytes = b""
    colon: bool = False  # a dict slot has written its first ``:``


class CallMachine(Machine):
    """The bytes of a call made of forced text and literal slots (see the module docstring)."""

    def __init__(self, segments: Sequence[Segment], max_value: int = 120) -> None:
        if not segments or not isinstance(segments[-1], Forced):
            raise ValueError("a call ends with forced text")
        self.segments = list(segments)
        self.max_value = max_value
        self.state = _Slot()

    @property
    def done(self) -> bool:  # type: ignore[override]
        return self.state.segment >= len(self.segments)

    def forced(self) -> str | None:
        """The rest of the forced text the machine is in (None inside a value)."""
        if self.done:
            return None
        segment = self.segments[self.state.segment]
        if isinstance(segment, Forced):
            return segment.text.encode()[self.state.offset :].decode("utf-8", errors="replace")
        return None

    def _feed(self, state: _Slot, piece: bytes) -> _Slot | None:
        for byte in piece:
            if state.segment >= len(self.segments):
                return None
            segment = self.segments[state.segment]
            if isinstance(segment, Forced):
                expected = segment.text.encode()
                if expected[state.offset] != byte:
                    return None
                offset = state.offset + 1
                if offset == len(expected):
                    state = _Slot(segment=state.segment + 1)
                else:
                    state = replace(state, offset=offset)
                continue
            ended = self._end_value(state, segment, byte)
            if ended is not None:
                state = ended
                continue
            stepped = self._value_byte(state, segment, byte)
            if stepped is None:
                return None
            state = stepped
        return state

    def _end_value(self, state: _Slot, segment: Value, byte: int) -> _Slot | None:
        """The byte ends the value and starts the forced text after it, if it can."""
        lit = state.lit
        if lit.stack or lit.quote or not state.text or not literal_complete(lit):
            return None
        following = self.segments[state.segment + 1]
        assert isinstance(following, Forced)
        expected = following.text.encode()
        whole = state.text.decode("utf-8", "replace")
        if expected[0] != byte or not (segment.reprs or fits(segment.kind, whole)):
            return None
        if len(expected) == 1:
            return _Slot(segment=state.segment + 2)
        return _Slot(segment=state.segment + 1, offset=1)

    def _value_byte(self, state: _Slot, segment: Value, byte: int) -> _Slot | None:
        lit, kind = state.lit, segment.kind
        if not state.text and not _first_ok(kind.name, byte):
            return None
        allowed = _NUMBER_BYTES.get(kind.name)
        if allowed is not None and byte not in allowed:
            return None
        long_number = lit.word[:1].isdigit() and len(lit.word) >= _MAX_DIGITS
        if long_number and not segment.reprs and byte in _DIGITS:
            return None  # 100000000000…: an input number is not a runaway
        depth = len(lit.stack)
        starts_item = (
            depth == 1
            and lit.expect in (ATOM, OPEN)
            and not lit.word
            and not lit.quote
            and not lit.sep
            and byte not in b")]} "
        )
        in_sequence = starts_item and lit.stack[-1] in b")]"
        if in_sequence and kind.item != "any" and not _first_ok(kind.item, byte):
            return None
        colon = state.colon
        if kind.name == "dict" and depth == 1 and not lit.quote:
            if byte == ord(":"):
                colon = True
            elif byte in b",}" and not colon and state.text != b"{":
                return None  # a set, not a dict
        constructor = byte == ord("<") or (byte == ord("(") and lit.word and not lit.quote)
        if constructor and not segment.reprs:
            return None  # Name(...) and <object> reprs do not evaluate: inputs are literals
        stepped = literal_step(lit, byte)
        if stepped is None:
            return None
        if stepped.word and not segment.reprs and not _literal_word(stepped.word):
            return None
        return replace(state, lit=stepped, text=state.text + bytes([byte]), colon=colon)

    def accepts(self, piece: bytes) -> bool:
        return bool(piece) and not self.done and self._feed(self.state, piece) is not None

    def advance(self, piece: bytes) -> None:
        state = self._feed(self.state, piece)
        if state is None:
            raise ValueError(f"piece {piece!r} not accepted")
        self.state = state

    def fillers(self) -> str:
        """The whole call with every slot a plain value of its kind (from the start)."""
        return CallMachine(self.segments).closing()

    @property
    def too_long(self) -> bool:
        return not self.done and len(self.state.text) >= self.max_value

    def closing(self) -> str:
        """Text that ends the value being written and fills the slots left."""
        state = self.state
        out = b""
        index = state.segment
        if index < len(self.segments) and isinstance(self.segments[index], Value):
            segment = self.segments[index]
            assert isinstance(segment, Value)
            if state.text:
                out += literal_closing(state.lit)
            else:
                out += _FILLER.get(segment.kind.name, "None").encode()
            index += 1
        elif index < len(self.segments):
            forced = self.segments[index]
            assert isinstance(forced, Forced)
            out += forced.text.encode()[state.offset :]
            index += 1
        for segment in self.segments[index:]:
            if isinstance(segment, Forced):
                out += segment.text.encode()
            else:
                out += _FILLER.get(segment.kind.name, "None").encode()
        return out.decode("utf-8", errors="replace")
