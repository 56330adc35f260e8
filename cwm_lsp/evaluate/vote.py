"""Self-consistency: a majority vote over several predicted outputs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from cwm_lsp.evaluate.values import canonical


@dataclass(frozen=True)
class Vote:
    #: the winning prediction as the first sample wrote it (None when no sample predicted)
    winner: str | None
    #: index of the first sample that gave the winning prediction (-1 when none)
    index: int
    #: canonical prediction -> number of samples that gave it
    counts: dict[str, int] = field(default_factory=dict)


def majority(predictions: Sequence[str | None]) -> Vote:
    """The most frequent prediction, equal values grouped; ties go to the earliest sample.

    Samples that predicted nothing (None) do not vote.
    """
    counts: dict[str, int] = {}
    first: dict[str, int] = {}
    for index, prediction in enumerate(predictions):
        key = canonical(prediction)
        if key is None:
            continue
        counts[key] = counts.get(key, 0) + 1
        first.setdefault(key, index)
    if not counts:
        return Vote(winner=None, index=-1, counts={})
    best = max(counts, key=lambda k: (counts[k], -first[k]))
    index = first[best]
    return Vote(winner=predictions[index], index=index, counts=counts)
