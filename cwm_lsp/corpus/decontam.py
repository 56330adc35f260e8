"""Decontamination: which corpus functions are, or nearly are, functions of a benchmark.

Both sides are normalised by :mod:`~cwm_lsp.corpus.normalize` (docstrings
dropped, bound names renamed in order of appearance).  A corpus row is an
*exact* duplicate of a benchmark row when their normalised syntax trees are
equal, and a *near* duplicate when the Jaccard similarity of their
normalised token n-grams (default: 3-grams) is at least the threshold
(default 0.6).  The report lists both, and the closest pairs whatever their
score, so the threshold can be judged.  The benchmark file is only read
here; nothing from it is written to the corpus.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from cwm_lsp.corpus.normalize import exact_key, program_parts, token_ngrams
from cwm_lsp.corpus.records import CorpusError

DEFAULT_THRESHOLD = 0.6
DEFAULT_NGRAM = 3
DEFAULT_TOP = 10


@dataclass(frozen=True)
class Match:
    """A corpus row and the benchmark row closest to it."""

    corpus_id: str
    against_id: str
    score: float
    exact: bool


@dataclass
class Report:
    corpus: str
    against: str
    threshold: float
    ngram: int
    corpus_rows: int
    against_rows: int
    exact: list[Match] = field(default_factory=list)
    near: list[Match] = field(default_factory=list)
    closest: list[Match] = field(default_factory=list)
    unparsable_corpus: int = 0
    unparsable_against: int = 0

    @property
    def flagged(self) -> set[str]:
        return {m.corpus_id for m in self.exact} | {m.corpus_id for m in self.near}

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["flagged"] = sorted(self.flagged)
        return data


def load_against(path: str | Path) -> list[tuple[str, str]]:
    """``(id, code)`` of each row of a CRUXEval-format JSON-lines file."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else "not UTF-8"
        raise CorpusError(f"cannot read {file}: {reason or error}") from None
    rows: list[tuple[str, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except ValueError:
            raise CorpusError(f"{file}:{number}: not a JSON line") from None
        if not isinstance(data, dict) or not isinstance(data.get("code"), str):
            raise CorpusError(f"{file}:{number}: a row must be a JSON object with a string 'code'")
        rows.append((str(data.get("id", f"line {number}")), data["code"]))
    if not rows:
        raise CorpusError(f"{file} holds no rows")
    return rows


def decontaminate(
    corpus: Sequence[Mapping[str, Any]],
    against: Sequence[tuple[str, str]],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    ngram: int = DEFAULT_NGRAM,
    top: int = DEFAULT_TOP,
    names: tuple[str, str] = ("corpus", "against"),
) -> Report:
    """Compare every corpus row's ``source`` with every benchmark row's code.

    A program with several functions is compared whole and function by
    function: a corpus helper equal to a benchmark function is caught too.
    """
    report = Report(names[0], names[1], threshold, ngram, len(corpus), len(against))
    exact_rows: dict[str, int] = {}
    unit_grams: list[frozenset[tuple[str, ...]]] = []
    unit_rows: list[int] = []
    index: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for row_index, (_, code) in enumerate(against):
        parts = _units(code, ngram)
        if parts is None:
            report.unparsable_against += 1
            continue
        for key, grams in parts:
            exact_rows.setdefault(key, row_index)
            for gram in grams:
                index[gram].append(len(unit_grams))
            unit_grams.append(grams)
            unit_rows.append(row_index)
    best: list[Match] = []
    for row in corpus:
        corpus_id = str(row["id"])
        parts = _units(str(row.get("source", "")), ngram)
        if parts is None:
            report.unparsable_corpus += 1
            continue
        exact = [exact_rows[key] for key, _ in parts if key in exact_rows]
        if exact:
            match = Match(corpus_id, against[min(exact)][0], 1.0, True)
            report.exact.append(match)
            best.append(match)
            continue
        scored = [_closest(grams, index, unit_grams) for _, grams in parts]
        unit, score = max(scored, key=lambda pair: (pair[1], -pair[0]))
        if unit < 0:
            continue  # nothing in common with any benchmark row
        match = Match(corpus_id, against[unit_rows[unit]][0], round(score, 4), False)
        best.append(match)
        if match.score >= threshold:
            report.near.append(match)
    best.sort(key=lambda m: (-m.score, m.corpus_id))
    report.closest = best[:top]
    return report


def _units(source: str, ngram: int) -> list[tuple[str, frozenset[tuple[str, ...]]]] | None:
    """``(exact key, n-grams)`` of the program and of each of its functions; None if unparsable."""
    units = []
    for part in program_parts(source):
        key, grams = exact_key(part), token_ngrams(part, ngram)
        if key is None or grams is None:
            return None
        units.append((key, grams))
    return units


def _closest(
    grams: frozenset[tuple[str, ...]],
    index: Mapping[tuple[str, ...], Sequence[int]],
    unit_grams: Sequence[frozenset[tuple[str, ...]]],
) -> tuple[int, float]:
    """The benchmark unit most similar to ``grams`` (the first on a tie) and its Jaccard."""
    shared: Counter[int] = Counter()
    for gram in grams:
        shared.update(index.get(gram, ()))
    best, best_score = -1, 0.0
    for unit in sorted(shared):
        inter = shared[unit]
        score = inter / (len(grams) + len(unit_grams[unit]) - inter)
        if score > best_score:
            best, best_score = unit, score
    return best, best_score


def write_report(report: Report, path: str | Path) -> list[Path]:
    """Write the report as markdown and JSON (``PATH`` and ``PATH`` with the other suffix)."""
    target = Path(path)
    if target.suffix == ".json":
        json_path, md_path = target, target.with_suffix(".md")
    else:
        md_path, json_path = target, target.with_suffix(".json")
    json_path.write_text(json.dumps(report.to_json(), indent=2) + "\n", encoding="utf-8")
    md_path.write_text(render_markdown(report), encoding="utf-8")
    return [md_path, json_path]


def render_markdown(report: Report) -> str:
    lines = [
        "# Decontamination report",
        "",
        f"- corpus: `{report.corpus}` ({report.corpus_rows} rows, "
        f"{report.unparsable_corpus} that do not parse)",
        f"- against: `{report.against}` ({report.against_rows} rows, "
        f"{report.unparsable_against} that do not parse)",
        "- normalisation: docstrings dropped, bound names renamed in order of appearance",
        f"- exact duplicates (equal normalised syntax trees): **{len(report.exact)}**",
        f"- near duplicates (Jaccard of normalised token {report.ngram}-grams ≥ "
        f"{report.threshold}): **{len(report.near)}**",
        f"- flagged rows: **{len(report.flagged)}**",
        "",
    ]
    for title, matches in (("Exact duplicates", report.exact), ("Near duplicates", report.near)):
        if matches:
            lines += [f"## {title}", "", "| corpus row | benchmark row | score |", "|---|---|---|"]
            lines += [f"| {m.corpus_id} | {m.against_id} | {m.score:.3f} |" for m in matches]
            lines.append("")
    lines += [
        f"## Closest pairs (top {len(report.closest)})",
        "",
        "| corpus row | benchmark row | score | exact |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {m.corpus_id} | {m.against_id} | {m.score:.3f} | {'yes' if m.exact else ''} |"
        for m in report.closest
    ]
    return "\n".join(lines) + "\n"
