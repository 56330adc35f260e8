"""An engine whose model is noise, behind the real engine seam (for fuzzing model output).

:class:`RandomEngine` holds a real model's vocabulary (llama.cpp, vocabulary
only) and answers :meth:`sample` with noise instead of a network's logits:

* ``"tokens"``: random logits over the whole vocabulary (most of the time
  with printable tokens favoured by a random margin), chosen by the real
  :func:`cwm_lsp.engine.sampling.pick` under the format's constraint: any
  token sequence a model could emit within the constraint, control tokens and
  the end of generation included;
* ``"bytes"``: the same, but the 256 single-byte tokens are far more likely:
  random bytes, most of them not UTF-8.

With ``break_contract`` (a probability), that share of samples ignores the
constraint altogether and returns any token: an engine that does not keep
the seam's promise (a remote grammar that differs from ours).  The formats
and the session must survive all of it: frames that parse or counted errors,
never an exception out of ``imagine``, never a hang.

Evaluation is bookkeeping only (``sync`` counts what a cache would
evaluate, and raises :class:`ContextFullError` past ``n_ctx`` as llama.cpp
would).  The real model cannot produce these faults on demand; this is the
one test double the fuzz campaign uses, at the engine seam.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np

from cwm_lsp.engine import Accept, ContextFullError, Engine, Pick, SequenceState
from cwm_lsp.engine.borrowed_vocabulary import BorrowedVocabulary
from cwm_lsp.engine.sampling import pick

if TYPE_CHECKING:
    import numpy.typing as npt

Noise = Literal["tokens", "bytes"]


class RandomEngine(BorrowedVocabulary):
    """An :class:`~cwm_lsp.engine.Engine` over ``vocab`` whose every sample is noise."""

    def __init__(
        self,
        vocab: Engine,
        *,
        seed: int,
        noise: Noise = "tokens",
        break_contract: float = 0.0,
        n_ctx: int = 8192,
    ) -> None:
        self.vocab = vocab
        self.n_vocab = vocab.n_vocab
        self.n_ctx = n_ctx
        self.noise = noise
        self.break_contract = break_contract
        self.rng = np.random.default_rng(seed)
        self.samples = 0
        self.contract_breaks = 0
        self._cached: dict[int, list[int]] = {}
        self._last: Sequence[int] = ()
        pieces = vocab.pieces
        self._single_bytes = np.asarray(
            [t for t, p in enumerate(pieces) if len(p) == 1], dtype=np.int64
        )
        self._special = np.asarray(
            [t for t, p in enumerate(pieces) if not p or vocab.is_eog(t)], dtype=np.int64
        )
        self._printable = np.asarray(
            [t for t, p in enumerate(pieces) if p and all(32 <= b < 127 for b in p)], dtype=np.int64
        )
        # noise drawn once; each sample reads it from a random offset (a view, no copy)
        self._pool = (self.rng.standard_normal(2 * self.n_vocab) * 3.0).astype(np.float32)
        self._floor = np.full(self.n_vocab, -30.0, dtype=np.float32)

    def reseed(
        self, seed: int, noise: Noise | None = None, break_contract: float | None = None
    ) -> None:
        """Start a new stream of noise (one per fuzz example)."""
        self.rng = np.random.default_rng(seed)
        if noise is not None:
            self.noise = noise
        if break_contract is not None:
            self.break_contract = break_contract

    # -- vocabulary: the real model's ----------------------------------------------------

    @property
    def name(self) -> str:
        return f"random {self.noise} over {self.vocab.name}"

    # -- "evaluation": a cache's bookkeeping, no network -------------------------------------

    def sync(self, owner: object, tokens: Sequence[int]) -> int:
        if not tokens:
            raise ValueError("nothing to evaluate")
        if len(tokens) > self.n_ctx:
            raise ContextFullError(len(tokens), self.n_ctx)
        before = self._cached.get(id(owner), [])
        keep = 0
        for a, b in zip(before, tokens, strict=False):
            if a != b:
                break
            keep += 1
        self._cached[id(owner)] = list(tokens)
        self._last = tokens
        return len(tokens) - keep

    def _logits(self) -> npt.NDArray[np.float32]:
        offset = int(self.rng.integers(0, self.n_vocab))
        logits = self._pool[offset : offset + self.n_vocab]
        if self.noise == "bytes":
            logits = self._floor.copy()
            logits[self._single_bytes] = self.rng.standard_normal(len(self._single_bytes)) * 3.0
        elif self.rng.random() < 0.7:
            # most of the time printable text is favoured by a random margin, as a model's
            # tokens would be (and the constraint finds a candidate among the first few)
            logits = logits.copy()
            logits[self._printable] += float(self.rng.uniform(2.0, 8.0))
        if len(self._special) and self.rng.random() < 0.05:
            # now and then a control token or the end of generation is the favourite
            logits = logits.copy()
            logits[int(self.rng.choice(self._special))] = float(logits.max()) + 5.0
        return logits

    def sample(
        self,
        accept: Accept | None,
        temperature: float,
        rng: np.random.Generator,
        allowed: Sequence[int] | None = None,
    ) -> Pick:
        self.samples += 1
        if self.break_contract and self.rng.random() < self.break_contract:
            self.contract_breaks += 1
            if self.noise == "bytes" or self.rng.random() < 0.5:
                token = int(self.rng.choice(self._single_bytes))
            else:
                token = int(self.rng.integers(0, self.n_vocab))
            return Pick(token, float(self.rng.random()))
        return pick(self._logits(), accept, temperature, self.rng, allowed)

    # -- sequences ------------------------------------------------------------------------

    def save_sequence(self) -> SequenceState:
        return SequenceState(tokens=list(self._last), data=b"")

    def restore_sequence(self, state: SequenceState) -> bool:
        self._last = list(state.tokens)
        return True

    def forget(self, owner: object) -> None:
        self._cached.pop(id(owner), None)

    def clear(self) -> None:
        self._cached.clear()
        self._last = ()

    def close(self) -> None:
        self._cached.clear()
