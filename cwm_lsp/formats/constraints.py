"""Byte-level machines that decide which token texts keep a generic frame well formed.

Each machine consumes the bytes of candidate tokens.  ``accepts(piece)``
says whether the piece keeps the text valid and does not run past the end of
the part the machine covers; ``advance(piece)`` commits it; ``done`` says the
part is complete.  Values are Python reprs (:mod:`cwm_lsp.formats.literal`) by default,
or, with ``literal=False``, free text on one line with quotes and brackets
tracked so that a ``,`` or ``}`` inside a string or a list does not end them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from cwm_lsp.formats.literal import (
    LiteralState,
    literal_closing,
    literal_complete,
    literal_feed,
    literal_step,
)

_OPEN = {ord("("): ord(")"), ord("["): ord("]"), ord("{"): ord("}")}
_CLOSE = set(_OPEN.values())
_NL = ord("\n")
_QUOTES = (ord("'"), ord('"'))


class Machine:
    done: bool = False

    def options(self) -> list[bytes] | None:
        """Every text that may come next, when there are few (else None: free text)."""
        return None

    def accepts(self, piece: bytes) -> bool:
        raise NotImplementedError

    def advance(self, piece: bytes) -> None:
        raise NotImplementedError


class ChoiceMachine(Machine):
    """One of a few literal strings."""

    def __init__(self, options: Iterable[str]) -> None:
        self.options_all = [o.encode() for o in options]
        self.buf = b""
        self.done = False

    def _ok(self, text: bytes) -> bool:
        return any(o.startswith(text) for o in self.options_all)

    def accepts(self, piece: bytes) -> bool:
        return bool(piece) and not self.done and self._ok(self.buf + piece)

    def advance(self, piece: bytes) -> None:
        self.buf += piece
        self.done = self.buf in self.options_all

    def options(self) -> list[bytes] | None:
        return [o[len(self.buf) :] for o in self.options_all if o.startswith(self.buf)]

    @property
    def chosen(self) -> str:
        return self.buf.decode()

    def forced(self) -> str | None:
        """The option when only one is left."""
        left = [o for o in self.options_all if o.startswith(self.buf)]
        return left[0].decode() if len(left) == 1 else None


@dataclass(frozen=True)
class _ValueState:
    stack: tuple[int, ...] = ()
    quote: int = 0
    escape: bool = False
    length: int = 0


def _value_step(state: _ValueState, byte: int) -> _ValueState | None:
    """One byte inside a value; None when the byte is not allowed there."""
    if byte == _NL:
        return None
    if state.quote:
        if state.escape:
            return replace(state, escape=False, length=state.length + 1)
        if byte == ord("\\"):
            return replace(state, escape=True, length=state.length + 1)
        if byte == state.quote:
            return replace(state, quote=0, length=state.length + 1)
        return replace(state, length=state.length + 1)
    if byte in _QUOTES:
        return replace(state, quote=byte, length=state.length + 1)
    if byte in _OPEN:
        return replace(state, stack=(*state.stack, _OPEN[byte]), length=state.length + 1)
    if byte in _CLOSE:
        if not state.stack or state.stack[-1] != byte:
            return None
        return replace(state, stack=state.stack[:-1], length=state.length + 1)
    return replace(state, length=state.length + 1)


def _closing(state: _ValueState) -> bytes:
    out = b"\\" if state.escape else b""
    out += bytes([state.quote]) if state.quote else b""
    return out + bytes(reversed(state.stack))


@dataclass(frozen=True)
class _LocalsState:
    mode: str = "name0"  # name0, name, value0, value, sep, after, done
    buf: bytes = b""  # the name being written, then its value
    value: _ValueState = _ValueState()
    lit: LiteralState = field(default_factory=LiteralState)
    used: frozenset[str] = frozenset()
    name: str = ""


class LocalsMachine(Machine):
    """``name=value, name=value}`` then a space; names from a fixed set, each at most once."""

    def __init__(
        self,
        names: Iterable[str],
        max_value: int = 240,
        unchanged: dict[str, str] | None = None,
        *,
        literal: bool = True,
    ) -> None:
        self.literal = literal
        self.names = [n.encode() for n in names]
        #: name -> value it has now: writing the same value again is not a change
        self.unchanged = {k: v.encode() for k, v in (unchanged or {}).items()}
        self.max_value = max_value
        self.state = _LocalsState()
        self.values: list[tuple[str, bytes]] = []

    @property
    def done(self) -> bool:  # type: ignore[override]
        return self.state.mode == "done"

    def _feed(self, state: _LocalsState, piece: bytes) -> _LocalsState | None:
        for byte in piece:
            mode = state.mode
            if mode == "done":
                return None
            if mode in ("name0", "name"):
                if mode == "name0" and byte == ord("}") and not state.used:
                    state = replace(state, mode="after")
                    continue
                if byte == ord("="):
                    name = state.buf.decode()
                    if state.buf not in self.names or name in state.used:
                        return None
                    state = _LocalsState(
                        "value0", b"", _ValueState(), LiteralState(), state.used | {name}, name
                    )
                    continue
                buf = state.buf + bytes([byte])
                if not any(n.startswith(buf) for n in self.names):
                    return None
                state = replace(state, mode="name", buf=buf)
            elif mode in ("value0", "value") and self.literal:
                lit = state.lit
                if mode == "value0" and byte == ord(" "):
                    return None
                if byte in (ord(","), ord("}")) and not lit.stack and not lit.quote:
                    if not literal_complete(lit) or self.unchanged.get(state.name) == state.buf:
                        return None
                    if byte == ord(",") and not self._unused(state.used):
                        return None  # no name left to write after the comma
                    state = replace(state, mode="sep" if byte == ord(",") else "after")
                    continue
                stepped_lit = literal_step(lit, byte)
                if stepped_lit is None:
                    return None
                # The value it already has is refused when it ends (at "," or "}"), not
                # here: "1" must stay open to become "10" or "1.5".
                buf = state.buf + bytes([byte])
                state = replace(state, mode="value", lit=stepped_lit, buf=buf)
            elif mode in ("value0", "value"):
                value = state.value
                at_top = not value.stack and not value.quote
                if at_top and mode == "value" and byte in (ord(","), ord("}")):
                    if self.unchanged.get(state.name) == state.buf:
                        return None
                    if byte == ord(",") and not self._unused(state.used):
                        return None  # no name left to write after the comma
                    state = replace(state, mode="sep" if byte == ord(",") else "after")
                    continue
                if mode == "value0" and byte in (ord(","), ord("}"), ord(" ")):
                    return None
                if byte == ord(">") and not value.quote and state.buf.endswith(b" ="):
                    return None  # " => " belongs to return values, not to locals
                stepped = _value_step(value, byte)
                if stepped is None:
                    return None
                state = replace(state, mode="value", value=stepped, buf=state.buf + bytes([byte]))
            elif mode == "sep":
                if byte != ord(" "):
                    return None
                state = replace(state, mode="name", buf=b"")
            elif mode == "after":
                if byte != ord(" "):
                    return None
                state = replace(state, mode="done")
        return state

    def _unused(self, used: frozenset[str]) -> bool:
        return any(n.decode() not in used for n in self.names)

    def options(self) -> list[bytes] | None:
        state = self.state
        if state.mode in ("name0", "name"):
            out = [
                n[len(state.buf) :] + b"="
                for n in self.names
                if n.startswith(state.buf) and n.decode() not in state.used
            ]
            if state.mode == "name0" and not state.used:
                out.append(b"} ")
            return out
        if state.mode in ("sep", "after"):
            return [b" "]
        return None

    def accepts(self, piece: bytes) -> bool:
        return bool(piece) and self._feed(self.state, piece) is not None

    def advance(self, piece: bytes) -> None:
        state = self._feed(self.state, piece)
        if state is None:
            raise ValueError(f"piece {piece!r} not accepted")
        self.state = state

    @property
    def too_long(self) -> bool:
        length = self.state.lit.length if self.literal else self.state.value.length
        return self.state.mode == "value" and length >= self.max_value

    def closing(self) -> str:
        """Text that ends a runaway value and the locals."""
        end = literal_closing(self.state.lit) if self.literal else _closing(self.state.value)
        return (end + b"} ").decode("utf-8", errors="replace")

    @property
    def used(self) -> frozenset[str]:
        return self.state.used


class NumberMachine(Machine):
    """A line number from a fixed set, then ``:``."""

    def __init__(self, numbers: Iterable[int]) -> None:
        self.numbers = {str(n).encode() for n in numbers}
        self.buf = b""
        self.done = False

    def options(self) -> list[bytes] | None:
        return [n[len(self.buf) :] + b":" for n in self.numbers if n.startswith(self.buf)]

    def _ok(self, text: bytes) -> bool:
        if text.endswith(b":"):
            return text[:-1] in self.numbers
        return any(n.startswith(text) for n in self.numbers)

    def accepts(self, piece: bytes) -> bool:
        if not piece or self.done or b":" in piece[:-1]:
            return False
        return self._ok(self.buf + piece)

    def advance(self, piece: bytes) -> None:
        self.buf += piece
        self.done = self.buf.endswith(b":")

    @property
    def number(self) -> int:
        return int(self.buf.rstrip(b":"))


class LineValueMachine(Machine):
    """A value up to the end of the line (non-empty), then ``\\n``.

    With ``literal`` (the default) the value is a Python repr; without it,
    any text.
    """

    def __init__(self, max_value: int = 240, *, literal: bool = True) -> None:
        self.buf = b""
        self.done = False
        self.max_value = max_value
        self.literal = literal
        self.lit: LiteralState | None = LiteralState() if literal else None

    def _feed(self, piece: bytes) -> LiteralState | bool | None:
        """The literal state after ``piece`` (True without the grammar), None/False if refused."""
        nl = piece.find(b"\n")
        if nl != -1 and (nl != len(piece) - 1 or not (self.buf + piece[:nl])):
            return None
        body = piece[:nl] if nl != -1 else piece
        if self.lit is not None and not self.buf and body.startswith(b" "):
            return None
        if self.lit is None:
            return True
        state = literal_feed(self.lit, body)
        if state is None or (nl != -1 and not literal_complete(state)):
            return None
        return state

    def accepts(self, piece: bytes) -> bool:
        if not piece or self.done:
            return False
        return self._feed(piece) is not None

    def advance(self, piece: bytes) -> None:
        state = self._feed(piece)
        if state is None:
            raise ValueError(f"piece {piece!r} not accepted")
        if isinstance(state, LiteralState):
            self.lit = state
        self.buf += piece
        self.done = self.buf.endswith(b"\n")

    @property
    def too_long(self) -> bool:
        return len(self.buf) >= self.max_value

    def closing(self) -> str:
        """Text that ends a runaway value and the line."""
        end = literal_closing(self.lit) if self.lit is not None else b""
        if not (self.buf + end):
            end = b"None"
        return (end + b"\n").decode("utf-8", errors="replace")
