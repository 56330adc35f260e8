"""Corpus files: one sorted JSON line per row; a write cut short is mended, not fatal."""

from __future__ import annotations

import pytest

from cwm_lsp.corpus.records import CorpusError, dumps, read_rows, write_rows


def rows(*ids: str) -> list[dict[str, object]]:
    return [{"id": i, "source": f"def {i}():\n    return 1\n"} for i in ids]


def test_rows_are_written_sorted_by_id_one_line_each_with_sorted_keys(tmp_path):
    path = tmp_path / "c.jsonl"

    assert write_rows(path, rows("b", "a", "c")) == 3

    lines = path.read_text().splitlines()
    assert lines == [dumps(row) for row in rows("a", "b", "c")]
    assert lines[0].startswith('{"id": "a", "source": ')


def test_a_last_line_cut_short_is_skipped_and_cut_off_when_repairing(tmp_path):
    path = tmp_path / "c.jsonl"
    write_rows(path, rows("a", "b"))
    whole = path.read_bytes()
    path.write_bytes(whole + b'{"id": "c", "sou')

    assert [r["id"] for r in read_rows(path, repair=True)] == ["a", "b"]
    assert path.read_bytes() == whole


def test_a_whole_last_row_without_its_newline_is_kept_and_the_newline_added(tmp_path):
    path = tmp_path / "c.jsonl"
    write_rows(path, rows("a"))
    path.write_bytes(path.read_bytes() + dumps(rows("b")[0]).encode())

    assert [r["id"] for r in read_rows(path, repair=True)] == ["a", "b"]
    assert path.read_bytes().endswith(b"}\n")


@pytest.mark.parametrize(
    ("text", "message"),
    [("not json\n{}\n", "c.jsonl:1: not a JSON line"), ('[1]\n{"id": "a"}\n', "with an id")],
)
def test_other_bad_lines_are_errors_that_say_where(tmp_path, text, message):
    path = tmp_path / "c.jsonl"
    path.write_text(text)

    with pytest.raises(CorpusError, match=message):
        read_rows(path)
