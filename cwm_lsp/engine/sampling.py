"""Choosing the next token from logits under a constraint.

A constraint is a predicate on candidate token ids.  Candidates are tried in
order of the model's preference (top 64, then more), so a constraint costs a
few checks per token instead of a mask over the whole vocabulary, and the
decode runs at llama.cpp's own speed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from cwm_lsp.engine.protocol import Accept, NoValidToken, Pick

_WIDTHS = (64, 2048)


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
