"""Decontamination: exact duplicates under renaming, near duplicates, and nothing else flagged."""

from __future__ import annotations

import json

import pytest

from cwm_lsp.corpus.decontam import decontaminate, load_against, write_report
from cwm_lsp.corpus.normalize import exact_key
from cwm_lsp.corpus.records import CorpusError

#: ``fields`` of the benchmark with other names, a docstring, a comment and other quotes.
RENAMED = """
    def shout_fields(line, delimiter):
        \"\"\"Upper-case the non-empty fields.\"\"\"
        pieces = line.split(delimiter)
        result = []  # kept in order
        for piece in pieces:
            if piece:
                result.append(piece.upper())
        return "-".join(result)
"""
#: ``tally`` with one constant changed and one statement added.
EDITED = """
    def tally(values):
        seen = {}
        for v in values:
            seen[v] = seen.get(v, 0) + 2
        total = len(seen)
        return sorted(seen.items())
"""
UNRELATED = """
    def area(w, h):
        if w < 0 or h < 0:
            raise ValueError('negative')
        return w * h
"""


@pytest.fixture
def against(benchmark_file):
    return load_against(benchmark_file)


def test_renaming_formatting_comments_and_docstrings_do_not_hide_an_exact_duplicate(
    against, corpus_row
):
    report = decontaminate([corpus_row("r1", RENAMED)], against)

    assert [(m.corpus_id, m.against_id, m.exact) for m in report.exact] == [("r1", "fields", True)]
    assert report.flagged == {"r1"}


def test_a_benchmark_function_copied_as_a_helper_is_an_exact_duplicate(against, corpus_row):
    program = """
        def flip(word):
            return word[::-1].strip()

        def main(words):
            return [flip(w) for w in words]
    """

    report = decontaminate([corpus_row("r4", program)], against)

    assert [(m.corpus_id, m.against_id) for m in report.exact] == [("r4", "mirror")]


def test_a_function_edited_a_little_is_a_near_duplicate_with_its_score(against, corpus_row):
    report = decontaminate([corpus_row("r2", EDITED)], against, threshold=0.6)

    assert not report.exact
    [match] = report.near
    assert (match.corpus_id, match.against_id) == ("r2", "tally")
    assert 0.6 <= match.score < 1.0


def test_unrelated_code_is_not_flagged_but_still_listed_among_the_closest(against, corpus_row):
    report = decontaminate([corpus_row("r3", UNRELATED)], against)

    assert not report.flagged
    assert [m.corpus_id for m in report.closest] in ([], ["r3"])
    assert all(m.score < 0.3 for m in report.closest)


def test_generated_programs_are_not_flagged_against_the_benchmark(against, programs):
    rows = [{"id": str(i), "source": p.source} for i, p in enumerate(programs)]

    report = decontaminate(rows, against)

    assert not report.flagged
    assert report.closest and report.closest[0].score < 0.5


def test_exact_keys_differ_when_the_code_does():
    assert exact_key("def f(x):\n    return x + 1\n") == exact_key("def g(y):\n    return y + 1\n")
    assert exact_key("def f(x):\n    return x + 1\n") != exact_key("def f(x):\n    return x + 2\n")
    assert exact_key("def f(x):\n    return len(x)\n") != exact_key(
        "def f(x):\n    return abs(x)\n"
    )


def test_the_report_is_written_as_markdown_and_json(tmp_path, against, corpus_row):
    report = decontaminate(
        [corpus_row("r1", RENAMED), corpus_row("r2", EDITED), corpus_row("r3", UNRELATED)],
        against,
    )

    md, js = write_report(report, tmp_path / "report.md")

    data = json.loads(js.read_text())
    assert data["flagged"] == ["r1", "r2"]
    assert [m["corpus_id"] for m in data["closest"]][:2] == ["r1", "r2"]
    text = md.read_text()
    assert "exact duplicates (equal normalised syntax trees): **1**" in text
    assert "| r2 | tally |" in text


def test_a_benchmark_file_without_code_is_an_error_that_says_where(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "x", "input": "1"}\n')

    with pytest.raises(CorpusError, match=r"bad.jsonl:1: .*'code'"):
        load_against(path)
