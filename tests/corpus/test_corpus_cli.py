"""``cwm-lsp corpus build`` and ``cwm-lsp corpus decontam`` as a user runs them."""

from __future__ import annotations

import json

import pytest

from cwm_lsp.trace.types import Trace

RECORD_KEYS = {"id", "origin", "function", "args", "source", "expected", "return_value", "trace"}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory, cli):
    """A corpus of 12 generated programs, built once for the tests below."""
    out = tmp_path_factory.mktemp("corpus") / "tiny.jsonl"
    done = cli("corpus", "build", "--seed", "3", "--count", "12", "--out", str(out))
    assert done.returncode == 0, done.stderr
    return out, done


def test_build_writes_one_sorted_json_line_per_kept_program(tiny):
    out, done = tiny

    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert rows and [r["id"] for r in rows] == sorted(r["id"] for r in rows)
    assert all(r["id"].startswith("gen-3-0000") for r in rows)
    for row in rows:
        assert set(row) == RECORD_KEYS
        assert row["origin"] == "generated" and row["expected"] is None
        trace = Trace.from_json(row["trace"])
        assert trace.function == row["function"] and trace.args == row["args"]
        assert row["return_value"] == trace.return_value
    assert "traced 12" in done.stderr and f"to {out}" in done.stderr
    assert "corpus 12/12 traced" in done.stderr  # the progress line


def test_the_same_seed_gives_the_same_bytes(tiny, tmp_path, cli):
    out, _ = tiny
    again = tmp_path / "again.jsonl"

    done = cli(
        "corpus", "build", "--seed", "3", "--count", "12", "--out", str(again), "--workers", "2"
    )

    assert done.returncode == 0, done.stderr
    assert again.read_bytes() == out.read_bytes()


def test_an_interrupted_build_goes_on_where_it_stopped(tiny, tmp_path, cli):
    out, _ = tiny
    lines = out.read_bytes().splitlines(keepends=True)
    partial = tmp_path / "partial.jsonl"
    partial.write_bytes(b"".join(lines[:4]) + lines[4][:40])  # killed while writing row 5

    done = cli("corpus", "build", "--seed", "3", "--count", "12", "--out", str(partial))

    assert done.returncode == 0, done.stderr
    assert "4 rows were already there" in done.stderr
    assert partial.read_bytes() == out.read_bytes()


def test_decontam_reports_and_drops_the_flagged_rows(tiny, tmp_path, cli, benchmark_file):
    out, _ = tiny
    corpus = tmp_path / "corpus.jsonl"
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    copied = {"id": "zz-copy", "source": "def g(t):\n    return t[::-1].strip()\n"}
    corpus.write_text("".join(json.dumps(r) + "\n" for r in [*rows, copied]))
    report = tmp_path / "report.md"

    done = cli(
        "corpus", "decontam", str(corpus), "--against", str(benchmark_file),
        "--report", str(report), "--drop",
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    assert "1 exact" in done.stderr and "dropped 1 rows" in done.stderr
    assert json.loads(report.with_suffix(".json").read_text())["flagged"] == ["zz-copy"]
    assert "zz-copy" not in corpus.read_text()
    assert len(corpus.read_text().splitlines()) == len(rows)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["build", "--count", "-1", "--out", "x.jsonl"], "--count must not be negative"),
        (["build", "--count", "1", "--out", "no/such/dir/x.jsonl"], "no such directory"),
        (["build", "--count", "1", "--out", "x.jsonl", "--workers", "0"], "--workers"),
        (["decontam", "missing.jsonl", "--against", "b.jsonl", "--report", "r.md"], "no such file"),
    ],
)
def test_bad_input_exits_2_with_one_line_on_stderr(tmp_path, cli, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)

    done = cli("corpus", *args)

    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and message in done.stderr


def test_a_file_that_is_not_a_corpus_is_refused(tmp_path, cli):
    out = tmp_path / "notes.jsonl"
    out.write_text("hello\nworld\n")

    done = cli("corpus", "build", "--count", "1", "--out", str(out))

    assert done.returncode == 2
    assert "notes.jsonl:1: not a JSON line" in done.stderr
