"""Build a corpus file: generate (and mine) candidates, trace them, keep the whole traces.

Row ids say where a row comes from: ``gen-<seed>-<index>`` (program
``index`` of the generator seeded ``seed``, index zero-padded to six
digits) and ``doctest-<module>-<function>-<n>``.  Building appends each
kept row to the output as soon as it is traced and skips ids already there,
so an interrupted build goes on where it stopped; at the end the file is
rewritten sorted by id.  The same seed and count give the same bytes.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from cwm_lsp.corpus.generator import generate_program
from cwm_lsp.corpus.records import Candidate, dumps, read_rows, write_rows
from cwm_lsp.corpus.stats import kind_counts
from cwm_lsp.corpus.tracing import DEFAULT_MAX_FRAMES, DEFAULT_TIMEOUT, Outcome, trace_all


@dataclass(frozen=True)
class BuildOptions:
    seed: int
    count: int
    out: Path
    doctests: bool = False
    max_frames: int = DEFAULT_MAX_FRAMES
    workers: int = 1
    timeout: float = DEFAULT_TIMEOUT
    #: Where to mine doctests (None: the standard library and installed packages).
    doctest_roots: tuple[Path, ...] | None = None


@dataclass
class BuildSummary:
    """What a build did: rows already there, traced now, kept, dropped (by reason)."""

    existing: int = 0
    traced: int = 0
    kept: int = 0
    dropped: Counter[str] = field(default_factory=Counter)
    kept_by_origin: Counter[str] = field(default_factory=Counter)
    ended: Counter[str] = field(default_factory=Counter)
    rows: int = 0
    seconds: float = 0.0
    kinds: Counter[str] = field(default_factory=Counter)


Progress = Callable[[int, int, BuildSummary], None]


def generated_id(seed: int, index: int) -> str:
    return f"gen-{seed}-{index:06d}"


def generated_candidates(seed: int, count: int, skip: set[str]) -> Iterator[Candidate]:
    """Programs ``0 .. count-1`` of ``seed`` whose ids are not in ``skip``."""
    for index in range(count):
        row_id = generated_id(seed, index)
        if row_id in skip:
            continue
        program = generate_program(seed, index)
        yield Candidate(row_id, "generated", program.source, program.function, program.args)


def build(options: BuildOptions, progress: Progress | None = None) -> BuildSummary:
    """Build (or go on building) ``options.out``; see the module docstring."""
    started = time.perf_counter()
    summary = BuildSummary()
    existing = read_rows(options.out, repair=True) if options.out.exists() else []
    have = {str(row["id"]) for row in existing}
    summary.existing = len(have)
    todo_generated = sum(
        1 for index in range(options.count) if generated_id(options.seed, index) not in have
    )
    mined: list[Candidate] = []
    if options.doctests:
        from cwm_lsp.corpus.doctests import mine

        mined = [c for c in mine(options.doctest_roots) if c.id not in have]
    total = todo_generated + len(mined)

    def candidates() -> Iterator[Candidate]:
        yield from generated_candidates(options.seed, options.count, have)
        yield from mined

    outcomes = trace_all(
        candidates(),
        workers=options.workers,
        max_frames=options.max_frames,
        timeout=options.timeout,
    )
    with options.out.open("a", encoding="utf-8", newline="\n") as handle:
        for outcome in outcomes:
            _count(summary, outcome)
            if outcome.row is not None:
                handle.write(dumps(outcome.row) + "\n")
                handle.flush()
            if progress is not None:
                progress(summary.traced, total, summary)
    rows = read_rows(options.out)
    summary.rows = write_rows(options.out, rows)
    summary.kinds = kind_counts(str(row.get("source", "")) for row in rows)
    summary.seconds = time.perf_counter() - started
    return summary


def _count(summary: BuildSummary, outcome: Outcome) -> None:
    summary.traced += 1
    if outcome.row is None:
        summary.dropped[outcome.dropped or "unknown"] += 1
        return
    summary.kept += 1
    summary.kept_by_origin[outcome.candidate.origin.split(":")[0]] += 1
    summary.ended[str(outcome.row["trace"]["reason"])] += 1
