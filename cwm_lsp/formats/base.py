"""What every prompt format provides to a stepping session."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from cwm_lsp.analysis.binding import BindingError, bind
from cwm_lsp.engine import Accept, Engine, ShouldStop, TokenRecord
from cwm_lsp.engine.decoder import Decoder
from cwm_lsp.engine.remote_http import RequestCancelled
from cwm_lsp.trace import Event, Frame

_DEF_NAME_RE = re.compile(r"^\s*(?:async\s+)?def\s+([A-Za-z_][A-Za-z0-9_]*)")

#: The two prompt formats: native CWM trace tokens, or generic text frames.
ModelFormat = Literal["cwm", "generic"]


class Cancelled(Exception):
    """``should_stop`` said stop, between two tokens."""


@dataclass
class Generated:
    """One attempt at the next frame: a frame, the model's end of the trace, or an error."""

    frame: Frame | None = None
    ended: bool = False
    error: str = ""


@dataclass
class Entry:
    """The entry call frame and the inputs it was made from."""

    frame: Frame | None
    args: str
    invented: bool
    error: str = ""
    #: where each input came from: parameter (or receiver) -> "given", "default", "invented"
    origins: dict[str, str] = field(default_factory=dict)


def function_name_of(frame: Frame) -> str:
    match = _DEF_NAME_RE.match(frame.source)
    return match.group(1) if match else "<lambda>" if "lambda" in frame.source else "?"


class FrameFormat(ABC):
    """A prompt format: how the prompt is built and how the next frame is generated."""

    name: ModelFormat

    def __init__(self, engine: Engine, source: str, function: str) -> None:
        self.engine = engine
        self.source = source
        self.function = function
        #: where each input of the last entry came from (see :attr:`Entry.origins`)
        self.origins: dict[str, str] = {}
        self._probs: dict[int, float] = {}

    @abstractmethod
    def prompt(self, dec: Decoder) -> None:
        """Push the prompt (everything before the entry call frame)."""

    @abstractmethod
    def entry(self, dec: Decoder, args: str | None, should_stop: ShouldStop | None) -> Entry:
        """Push (given inputs) or generate (no inputs) the entry call frame."""

    @abstractmethod
    def generate(
        self,
        dec: Decoder,
        frames: list[Frame],
        force: Event | None,
        should_stop: ShouldStop | None,
    ) -> Generated:
        """Generate the next frame after ``frames`` (``force``: its event)."""

    @abstractmethod
    def frame_tokens(self, frames: list[Frame], index: int) -> list[int]:
        """The tokens of ``frames[index]`` as if it had been forced (for edits)."""

    # ---------------------------------------------------------------- helpers

    def bind_inputs(self, args: str, invented: bool) -> dict[str, str] | Entry:
        """The entry call's locals for ``args``, or an Entry that says why they do not bind."""
        try:
            return bind(self.source, self.function, args)
        except SyntaxError as exc:
            return Entry(
                None, args, False, f"the file does not parse: line {exc.lineno}: {exc.msg}"
            )
        except BindingError as exc:
            return Entry(None, args, invented, f"inputs {args!r}: {exc}")

    def gen(
        self,
        dec: Decoder,
        accept: Accept | None,
        should_stop: ShouldStop | None,
        allowed: Sequence[int] | None = None,
    ) -> int:
        """One generated token, its probability remembered for confidence."""
        if should_stop is not None and should_stop():
            raise Cancelled
        try:
            chosen = dec.next(accept, allowed)
        except RequestCancelled:  # a remote engine closed its request on should_stop
            raise Cancelled from None
        self._probs[len(dec.tokens) - 1] = chosen.prob
        return chosen.token

    def record(self, dec: Decoder, start: int, *, special: bool) -> TokenRecord:
        """Byte spans and probabilities of ``dec.tokens[start:]``."""
        record = TokenRecord()
        for position in range(start, len(dec.tokens)):
            token = dec.tokens[position]
            piece = self.engine.piece(token, special=special)
            record.add(piece, self._probs.get(position))
        return record

    def forget_after(self, length: int) -> None:
        """The history was cut to ``length`` tokens: drop later probabilities."""
        for position in [p for p in self._probs if p >= length]:
            del self._probs[position]
