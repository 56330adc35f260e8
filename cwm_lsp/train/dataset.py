"""The examples of a corpus file, split into training and held-out, in a seeded order.

The order is a pure function of the seed and the step, so a resumed run sees
exactly the examples the uninterrupted one would have: epoch ``e`` is a
permutation drawn by ``random.Random(f"{seed}:{e}")``.
"""

from __future__ import annotations

import logging
import random
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cwm_lsp.corpus.records import CorpusError, read_rows
from cwm_lsp.engine import Engine
from cwm_lsp.train.examples import Example, Skipped, build_examples

log = logging.getLogger(__name__)

#: the held-out share of a corpus, and its bounds
HOLDOUT_SHARE = 0.02
HOLDOUT_MAX = 64


@dataclass
class Dataset:
    train: list[Example]
    holdout: list[Example]
    #: why rows gave no example (or were left out), by reason
    skipped: Counter[str] = field(default_factory=Counter)
    #: examples cut short (a frame the format cannot write)
    cut: int = 0

    def order(self, seed: int, index: int) -> Example:
        """The ``index``-th example of the seeded stream of epochs."""
        n = len(self.train)
        epoch, offset = divmod(index, n)
        permutation = list(range(n))
        random.Random(f"{seed}:{epoch}").shuffle(permutation)
        return self.train[permutation[offset]]

    def summary(self) -> str:
        tokens = sum(len(e.ids) for e in self.train)
        generated = sum(len(e.generated) for e in self.train)
        share = generated / tokens if tokens else 0.0
        skipped = ", ".join(f"{n} {why}" for why, n in self.skipped.most_common(4))
        return (
            f"{len(self.train)} training examples ({tokens} tokens, {generated} generated: "
            f"{share:.1%}), {len(self.holdout)} held out, {self.cut} cut short"
            + (f"; skipped: {skipped}" if skipped else "")
        )


def load_rows(path: str | Path) -> list[dict[str, Any]]:
    try:
        return read_rows(path)
    except CorpusError as exc:
        from cwm_lsp.train.base import TrainSetupError

        raise TrainSetupError(str(exc)) from None


def make_dataset(
    rows: Iterable[Mapping[str, Any]],
    vocab: Engine,
    *,
    seed: int,
    fewshot: bool,
    max_tokens: int,
    holdout: int | None = None,
) -> Dataset:
    """Examples of ``rows`` (no CRUXEval rows: only generated and doctest origins)."""
    started = time.perf_counter()
    kept: list[Example] = []
    skipped: Counter[str] = Counter()
    cut = 0
    usable: list[Mapping[str, Any]] = []
    for row in rows:
        origin = str(row.get("origin", ""))
        if origin == "generated" or origin.startswith("doctest:"):
            usable.append(row)
        else:
            skipped[f"origin {origin!r} (only generated and doctest rows train)"] += 1
    for item in build_examples(usable, vocab, fewshot=fewshot):
        if isinstance(item, Skipped):
            skipped[item.reason.split(":")[0]] += 1
        elif not item.generated:
            skipped["nothing generated"] += 1
        elif len(item.ids) > max_tokens:
            skipped[f"longer than {max_tokens} tokens"] += 1
        else:
            cut += not item.complete
            kept.append(item)
    kept.sort(key=lambda e: e.id)
    random.Random(f"{seed}:holdout").shuffle(kept)
    size = holdout if holdout is not None else min(HOLDOUT_MAX, int(len(kept) * HOLDOUT_SHARE))
    size = min(size, max(0, len(kept) - 1))
    dataset = Dataset(train=kept[size:], holdout=kept[:size], skipped=skipped, cut=cut)
    log.info("examples built in %.1f s", time.perf_counter() - started)
    return dataset
