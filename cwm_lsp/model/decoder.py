"""One session's token history and the sampling loop, with token-level constraints.

A constraint is a predicate on candidate token ids.  Candidates are tried in
order of the model's preference (top 64, then more), so a constraint costs a
few checks per token instead of a mask over the whole vocabulary, and the
decode runs at llama.cpp's own speed.  Forced tokens are only appended to the
history; they are evaluated together, in one batch, when the next logits are
needed or when the session settles at the end of a frame.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from cwm_lsp.model.engine import Engine

Accept = Callable[[int], bool]

_WIDTHS = (64, 2048)


class NoValidToken(RuntimeError):
    """No token of the vocabulary satisfies the constraint."""


@dataclass
class Pick:
    token: int
    #: the model's probability for the chosen token (before the constraint)
    prob: float


def pick(
    logits: npt.NDArray[np.float32],
    accept: Accept | None,
    temperature: float,
    rng: np.random.Generator,
    allowed: Sequence[int] | None = None,
) -> Pick:
    """The next token: the most likely (temperature 0) or a sample, among accepted ones.

    ``allowed`` (when given) is the exact set of acceptable tokens;
    otherwise ``accept`` is asked about candidates in order of preference.
    """
    values = logits.astype(np.float64)
    top = float(values.max())
    log_z = top + math.log(float(np.exp(values - top).sum()))
    if allowed is not None:
        if not allowed:
            raise NoValidToken("no token satisfies the constraint")
        ids = np.asarray(allowed, dtype=np.int64)
        chosen_values = values[ids]
        if temperature <= 0:
            t = int(ids[int(np.argmax(chosen_values))])
        else:
            scaled = chosen_values / temperature
            weights = np.exp(scaled - scaled.max())
            weights /= weights.sum()
            t = int(ids[int(rng.choice(len(ids), p=weights))])
        return Pick(t, math.exp(float(values[t]) - log_z))
    n = len(values)
    tried = 0
    for width in (*_WIDTHS, n):
        width = min(width, n)
        if width <= tried:
            continue
        part = np.argpartition(-values, width - 1)[:width] if width < n else np.arange(n)
        order = part[np.argsort(-values[part], kind="stable")]
        window = order[tried:] if tried else order
        tried = width
        if temperature <= 0:
            for token in window:
                t = int(token)
                if accept is None or accept(t):
                    return Pick(t, math.exp(float(values[t]) - log_z))
            continue
        allowed = [int(t) for t in window if accept is None or accept(int(t))]
        if not allowed:
            continue
        scaled = values[allowed] / temperature
        weights = np.exp(scaled - scaled.max())
        weights /= weights.sum()
        t = int(allowed[int(rng.choice(len(allowed), p=weights))])
        return Pick(t, math.exp(float(values[t]) - log_z))
    raise NoValidToken("no token satisfies the constraint")


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

    def logits(self) -> npt.NDArray[np.float32]:
        self.tokens_evaluated += self.engine.sync(self, self.tokens)
        return self.engine.logits()

    def settle(self) -> None:
        """Evaluate the tokens pushed since the last logits, so the cache holds the whole history.

        A session settles after each frame: a step then evaluates its own
        frame's tokens, not the forced tail of the frame before it.
        """
        if self.tokens:
            self.tokens_evaluated += self.engine.sync(self, self.tokens)

    def next(self, accept: Accept | None = None, allowed: Sequence[int] | None = None) -> Pick:
        """Choose the next token (under ``accept`` / among ``allowed``) and append it."""
        chosen = pick(self.logits(), accept, self.temperature, self.rng, allowed)
        self.tokens.append(chosen.token)
        self.tokens_generated += 1
        return chosen

    def close(self) -> None:
        self.engine.forget(self)
