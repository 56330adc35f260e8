"""One session's token history on a shared engine.

A session pushes forced tokens and asks for generated ones under a
constraint (a predicate on token ids, see :mod:`cwm_lsp.engine.sampling`).  Forced tokens are only appended to the
history; they are evaluated together, in one batch, when the next logits are
needed or when the session settles at the end of a frame.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from cwm_lsp.engine.protocol import Accept, Engine, Pick


class Decoder:
    """A session's token history on a shared :class:`Engine`."""

    def __init__(self, engine: Engine, *, temperature: float = 0.0, seed: int = 0) -> None:
        self.engine = engine
        self.temperature = temperature
        self.rng = np.random.default_rng(seed)
        self.tokens: list[int] = []
        self.tokens_evaluated = 0
        self.tokens_generated = 0

    def push(self, tokens: Sequence[int]) -> None:
        self.tokens.extend(tokens)

    def push_text(self, text: str, *, special: bool = False) -> list[int]:
        ids = self.engine.tokenize(text, special=special)
        self.tokens.extend(ids)
        return ids

    def truncate(self, length: int) -> None:
        del self.tokens[length:]

    def settle(self) -> None:
        """Evaluate the tokens pushed since the last logits, so the cache holds the whole history.

        A session settles after each frame: a step then evaluates its own
        frame's tokens, not the forced tail of the frame before it.
        """
        if self.tokens:
            self.tokens_evaluated += self.engine.sync(self, self.tokens)

    def next(self, accept: Accept | None = None, allowed: Sequence[int] | None = None) -> Pick:
        """Choose the next token (under ``accept`` / among ``allowed``) and append it."""
        self.tokens_evaluated += self.engine.sync(self, self.tokens)
        chosen = self.engine.sample(accept, self.temperature, self.rng, allowed)
        self.tokens.append(chosen.token)
        self.tokens_generated += 1
        return chosen

    def close(self) -> None:
        self.engine.forget(self)
