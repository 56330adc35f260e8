"""A stand-in engine whose "model" writes a known answer: teacher forcing through the format.

The generic format decides, token by token, what is forced (pushed as text)
and what the model generates (sampled under a constraint).  Training must
put its loss on exactly the generated tokens and see exactly the token ids
inference would hold, so :mod:`cwm_lsp.train.examples` runs the format
itself on a :class:`TeacherEngine`: every ``sample`` returns the token that
continues the true frame's text (the one llama.cpp's tokenizer would give the
rest of the frame, else the longest token the constraint admits) and records
its position.  The vocabulary is the model's own (llama.cpp, vocabulary only:
:func:`cwm_lsp.engine.llama_loader.open_vocabulary`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from cwm_lsp.engine import Accept, Engine, Pick, SequenceState
from cwm_lsp.engine.borrowed_vocabulary import BorrowedVocabulary

if TYPE_CHECKING:
    import numpy as np


class Diverged(Exception):
    """The true frame cannot be written: the format forced other text, or no token fits."""


class TeacherEngine(BorrowedVocabulary):
    """An :class:`~cwm_lsp.engine.Engine` that writes ``target`` (the frame being taught)."""

    def __init__(self, vocab: Engine) -> None:
        self.vocab = vocab
        self.n_vocab = vocab.n_vocab
        self.n_ctx = 1 << 30
        #: the bytes the current frame must read, and where (token index) it starts
        self.target = b""
        self.start = 0
        #: positions (token indices) of every sampled token, in order
        self.generated: list[int] = []
        self._tokens: Sequence[int] = ()
        self._by_piece: dict[bytes, int] = {}
        self._longest = 0
        for token, piece in enumerate(vocab.pieces):
            if piece and piece not in self._by_piece:
                self._by_piece[piece] = token
                self._longest = max(self._longest, len(piece))

    def begin(self, target: str, start: int) -> None:
        """The next tokens, from token index ``start``, must spell ``target``."""
        self.target = target.encode("utf-8")
        self.start = start

    def drop_after(self, length: int) -> None:
        """The history was cut to ``length`` tokens."""
        self.generated = [p for p in self.generated if p < length]

    # -- vocabulary: the model's own ------------------------------------------------

    @property
    def name(self) -> str:
        return f"teacher over {self.vocab.name}"

    # -- "evaluation": the answer is known ----------------------------------------------

    def sync(self, owner: object, tokens: Sequence[int]) -> int:
        self._tokens = tokens
        return 0

    def _remaining(self) -> bytes:
        written = b"".join(self.vocab.piece(t) for t in self._tokens[self.start :])
        if not self.target.startswith(written):
            raise Diverged(f"the format wrote {written!r}, the frame reads {self.target!r}")
        return self.target[len(written) :]

    def sample(
        self,
        accept: Accept | None,
        temperature: float,
        rng: np.random.Generator,
        allowed: Sequence[int] | None = None,
    ) -> Pick:
        rest = self._remaining()
        if not rest:
            raise Diverged(f"the format asks for more than the frame {self.target!r}")
        permitted = set(allowed) if allowed is not None else None

        def fits(token: int) -> bool:
            if permitted is not None and token not in permitted:
                return False
            return accept is None or accept(token)

        for token in self._candidates(rest):
            if fits(token):
                self.generated.append(len(self._tokens))
                return Pick(token, 1.0)
        raise Diverged(f"no token the format admits continues {rest[:40]!r}")

    def _candidates(self, rest: bytes) -> list[int]:
        """The token the tokenizer gives ``rest`` first, then every prefix token, longest first."""
        found: list[int] = []
        try:
            canonical = self.vocab.tokenize(rest.decode("utf-8"))
        except UnicodeDecodeError:
            canonical = []
        if canonical and rest.startswith(self.vocab.piece(canonical[0])):
            found.append(canonical[0])
        for k in range(min(self._longest, len(rest)), 0, -1):
            token = self._by_piece.get(rest[:k])
            if token is not None and token not in found:
                found.append(token)
        return found

    # -- sequences: nothing is cached -----------------------------------------------

    def save_sequence(self) -> SequenceState:
        return SequenceState(tokens=list(self._tokens), data=b"")

    def restore_sequence(self, state: SequenceState) -> bool:
        return False

    def forget(self, owner: object) -> None:
        pass

    def clear(self) -> None:
        pass

    def close(self) -> None:
        pass
