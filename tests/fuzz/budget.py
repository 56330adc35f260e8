"""Running hypothesis within a fixed budget of examples and seconds, reproducibly.

A campaign draws its examples in chunks: chunk ``k`` is one hypothesis run
of ``chunk`` examples seeded with ``seed * 1000 + k``, and the time budget is
checked between chunks, so a slow machine runs fewer chunks but every chunk
it runs is the same as on a fast one.  A failure stops the campaign and is
returned as text (hypothesis's falsifying example included); shrinking is
off by default (a live server's state makes it slow) and on with ``shrink``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

Episode = Callable[[st.DataObject], None]


def run_bounded(
    episode: Episode,
    *,
    seed_value: int,
    examples: int,
    seconds: float,
    chunk: int = 5,
    shrink: bool = False,
) -> str | None:
    """Run up to ``examples`` episodes within ``seconds``; the first failure, as text."""
    deadline = time.monotonic() + seconds
    done = 0
    index = 0
    while done < examples and time.monotonic() < deadline:
        size = min(chunk, examples - done)

        @seed(seed_value * 1000 + index)
        @settings(
            max_examples=size,
            deadline=None,
            database=None,
            phases=(Phase.generate, Phase.shrink) if shrink else (Phase.generate,),
            suppress_health_check=list(HealthCheck),
            report_multiple_bugs=False,
            print_blob=False,
        )
        @given(st.data())
        def run(data: st.DataObject) -> None:
            episode(data)

        try:
            run()
        except Exception as exc:
            notes = "\n".join(getattr(exc, "__notes__", []))
            return f"chunk {index} (seed {seed_value * 1000 + index}): {type(exc).__name__}: {exc}\n{notes}"
        done += size
        index += 1
    return None
