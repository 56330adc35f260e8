"""Confidence of predicted values from the probabilities of the tokens that spell them.

A frame's generated tokens are recorded with their byte span in the frame's
text and the probability the model gave each.  A value's confidence is the
geometric mean of the probabilities of the generated tokens overlapping its
span; a value made only of forced tokens (given inputs, an edit) gets 1.0.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass
class TokenRecord:
    """Byte offsets of the frame text's tokens; probability None for forced tokens."""

    spans: list[tuple[int, int, float | None]] = field(default_factory=list)
    size: int = 0

    def add(self, piece: bytes, prob: float | None) -> None:
        self.spans.append((self.size, self.size + len(piece), prob))
        self.size += len(piece)

    def confidence(self, start: int, end: int) -> float:
        """Geometric mean probability over byte range [start, end)."""
        logs = [
            math.log(max(p, 1e-12))
            for s, e, p in self.spans
            if p is not None and s < end and e > start
        ]
        if not logs:
            return 1.0
        return math.exp(sum(logs) / len(logs))


def byte_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Character range -> byte range in ``text`` encoded as UTF-8."""
    b_start = len(text[:start].encode("utf-8"))
    return b_start, b_start + len(text[start:end].encode("utf-8"))


def record_tokens(pieces: Sequence[bytes], probs: Sequence[float | None]) -> TokenRecord:
    record = TokenRecord()
    for piece, prob in zip(pieces, probs, strict=True):
        record.add(piece, prob)
    return record
