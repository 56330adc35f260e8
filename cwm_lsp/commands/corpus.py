"""``cwm-lsp corpus build | decontam``: a training corpus of real traces, and its decontamination.

``build`` writes a JSON-lines corpus of small functions traced for real:
programs of the seeded generator (``cwm_lsp.corpus.generator``) and, with
``--doctests``, doctest examples mined from the standard library and the
installed packages.  The same seed and count give the same file; a build
that stops goes on where it stopped when run again.  ``decontam`` compares
a corpus with a CRUXEval-format file (exact and near duplicates) and, with
``--drop``, removes the flagged rows from the corpus.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, TextIO

EXIT_BAD_INPUT = 2
DEFAULT_MAX_FRAMES = 60
DEFAULT_MEMORY_MB = 4096


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "corpus",
        help="build a training corpus of real traces; check it against a benchmark",
        description="build: generate small functions from a seed (and mine doctests), trace "
        "them for real, write JSON lines.  decontam: report corpus rows that duplicate or "
        "nearly duplicate a CRUXEval-format file's functions.",
    )
    actions = parser.add_subparsers(
        dest="corpus_command", metavar="ACTION", parser_class=type(parser)
    )
    build = actions.add_parser(
        "build",
        help="generate, trace and write a corpus (resumable)",
        description="Generate programs 0..N-1 of the seed (and, with --doctests, mine doctest "
        "calls), trace each for real, and write one JSON line per whole trace: id, origin, "
        "function, args, source, expected, return_value, trace.  Rows already in --out are "
        "skipped, so an interrupted build goes on where it stopped; the file ends sorted by "
        "id, the same bytes for the same seed and count.",
    )
    build.add_argument("--seed", type=int, default=0, help="generator seed (default %(default)s)")
    build.add_argument(
        "--count",
        type=int,
        required=True,
        metavar="N",
        help="programs to generate (those past --max-frames are dropped)",
    )
    build.add_argument("--out", required=True, metavar="PATH", help="the corpus JSON-lines file")
    build.add_argument(
        "--doctests",
        action="store_true",
        help="also mine doctests of the stdlib and installed packages",
    )
    build.add_argument(
        "--max-frames",
        type=int,
        default=DEFAULT_MAX_FRAMES,
        metavar="N",
        help="drop calls that take more frames (default %(default)s)",
    )
    build.add_argument(
        "--workers", type=int, default=1, metavar="N", help="traces side by side (default 1)"
    )
    build.add_argument(
        "--timeout",
        type=float,
        default=5.0,
        metavar="SECONDS",
        help="per call (default %(default)s)",
    )
    build.add_argument(
        "--memory-limit",
        type=int,
        default=DEFAULT_MEMORY_MB,
        metavar="MB",
        help="address-space limit of the build and its traced calls (0: none; default %(default)s)",
    )
    build.add_argument("--stats", action="store_true", help="print statement-kind statistics")
    build.add_argument("--no-progress", action="store_true", help="no progress line on stderr")
    build.set_defaults(func=run_build)
    decontam = actions.add_parser(
        "decontam",
        help="exact and near duplicates of a benchmark's functions",
        description="Compare every corpus function with every function of a CRUXEval-format "
        "file after renaming identifiers canonically: exact duplicates (equal syntax trees) "
        "and near duplicates (Jaccard of token n-grams at least --threshold).  Writes a "
        "markdown report and a JSON one beside it; --drop removes the flagged rows.",
    )
    decontam.add_argument("corpus", metavar="CORPUS.jsonl", help="a corpus written by build")
    decontam.add_argument(
        "--against", required=True, metavar="FILE.jsonl", help="CRUXEval-format rows"
    )
    decontam.add_argument(
        "--report", required=True, metavar="PATH", help="report (.md; .json beside it)"
    )
    decontam.add_argument("--drop", action="store_true", help="remove the flagged rows from CORPUS")
    decontam.add_argument(
        "--threshold",
        type=float,
        default=0.6,
        metavar="J",
        help="near-duplicate Jaccard (default %(default)s)",
    )
    decontam.add_argument(
        "--ngram", type=int, default=3, metavar="N", help="token n-gram size (default %(default)s)"
    )
    decontam.add_argument(
        "--top",
        type=int,
        default=10,
        metavar="K",
        help="closest pairs listed (default %(default)s)",
    )
    decontam.set_defaults(func=run_decontam)
    parser.set_defaults(func=lambda args: _usage(parser))


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_usage(sys.stderr)
    return EXIT_BAD_INPUT


def _fail(message: str) -> int:
    sys.stderr.write(f"cwm-lsp corpus: {message}\n")
    return EXIT_BAD_INPUT


def _check_build(args: argparse.Namespace) -> str | None:
    if args.count < 0:
        return f"--count must not be negative, not {args.count}"
    if args.max_frames < 1:
        return f"--max-frames must be at least 1, not {args.max_frames}"
    if args.workers < 1:
        return f"--workers must be at least 1, not {args.workers}"
    if args.timeout <= 0:
        return f"--timeout must be positive, not {args.timeout}"
    if args.memory_limit < 0:
        return f"--memory-limit must not be negative, not {args.memory_limit}"
    out = Path(args.out)
    if out.is_dir():
        return f"--out {args.out} is a directory"
    if not out.parent.is_dir():
        return f"no such directory: {out.parent}"
    return None


def run_build(args: argparse.Namespace) -> int:
    problem = _check_build(args)
    if problem:
        return _fail(problem)
    from cwm_lsp.corpus.build import BuildOptions, build
    from cwm_lsp.corpus.records import CorpusError
    from cwm_lsp.corpus.stats import format_counts

    _limit_memory(args.memory_limit)
    options = BuildOptions(
        seed=args.seed,
        count=args.count,
        out=Path(args.out),
        doctests=args.doctests,
        max_frames=args.max_frames,
        workers=args.workers,
        timeout=args.timeout,
    )
    line = _ProgressLine(sys.stderr, enabled=not args.no_progress)
    try:
        summary = build(options, line.update)
    except CorpusError as error:
        return _fail(f"{error} (not a corpus file? remove it or choose another --out)")
    finally:
        line.close()
    dropped = ", ".join(f"{reason} {n}" for reason, n in sorted(summary.dropped.items()))
    origins = ", ".join(f"{origin} {n}" for origin, n in sorted(summary.kept_by_origin.items()))
    ended = ", ".join(f"{reason} {n}" for reason, n in sorted(summary.ended.items()))
    sys.stderr.write(
        f"cwm-lsp corpus: traced {summary.traced} in {summary.seconds:.1f} s "
        f"({summary.existing} rows were already there); kept {summary.kept}"
        f"{f' ({origins})' if origins else ''}, dropped {sum(summary.dropped.values())}"
        f"{f' ({dropped})' if dropped else ''}; ended: {ended or 'nothing new'}; "
        f"wrote {summary.rows} rows to {args.out}; {len(summary.kinds)} statement kinds\n"
    )
    if args.stats:
        sys.stderr.write(format_counts(summary.kinds) + "\n")
    return 0


def run_decontam(args: argparse.Namespace) -> int:
    from cwm_lsp.corpus.decontam import decontaminate, load_against, write_report
    from cwm_lsp.corpus.records import CorpusError, read_rows, write_rows

    if not 0.0 < args.threshold <= 1.0:
        return _fail(f"--threshold must be in (0, 1], not {args.threshold}")
    if args.ngram < 1 or args.top < 0:
        return _fail("--ngram must be at least 1 and --top not negative")
    for path in (args.corpus, args.against):
        if not Path(path).is_file():
            return _fail(f"no such file: {path}")
    if not Path(args.report).parent.is_dir():
        return _fail(f"no such directory: {Path(args.report).parent}")
    try:
        rows = read_rows(args.corpus)
        against = load_against(args.against)
    except CorpusError as error:
        return _fail(str(error))
    report = decontaminate(
        rows,
        against,
        threshold=args.threshold,
        ngram=args.ngram,
        top=args.top,
        names=(str(args.corpus), str(args.against)),
    )
    written = write_report(report, args.report)
    closest = f"{report.closest[0].score:.3f}" if report.closest else "none"
    message = (
        f"cwm-lsp corpus: {len(rows)} rows against {len(against)}: {len(report.exact)} exact, "
        f"{len(report.near)} near duplicates (closest {closest}); wrote "
        f"{', '.join(str(p) for p in written)}"
    )
    if args.drop:
        flagged = report.flagged
        kept = write_rows(args.corpus, (row for row in rows if row["id"] not in flagged))
        message += f"; dropped {len(rows) - kept} rows, {kept} left in {args.corpus}"
    sys.stderr.write(message + "\n")
    return 0


def _limit_memory(megabytes: int) -> None:
    """Cap the address space (the traced calls inherit it): a runaway program fails alone."""
    if megabytes <= 0:
        return
    try:
        import resource
    except ImportError:  # not on POSIX
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = megabytes * 1024 * 1024
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    if soft == resource.RLIM_INFINITY or soft > limit:
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


class _ProgressLine:
    """``corpus 120/300 traced, 110 kept, 10 dropped``: redrawn on a terminal, else every 10%."""

    def __init__(self, stream: TextIO, *, enabled: bool) -> None:
        self.stream = stream
        self.enabled = enabled
        self.tty = enabled and stream.isatty()
        self.drawn = False

    def update(self, done: int, total: int, summary: Any) -> None:
        if not self.enabled:
            return
        text = (
            f"corpus {done}/{total} traced, {summary.kept} kept, "
            f"{sum(summary.dropped.values())} dropped"
        )
        if self.tty:
            self.stream.write("\r" + text)
            self.drawn = True
        elif done == total or done % max(1, total // 10) == 0:
            self.stream.write(text + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\n")
            self.drawn = False
