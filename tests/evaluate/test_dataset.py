"""Reading CRUXEval-format rows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cwm_lsp.evaluate.dataset import DatasetError, load_rows


def write_rows(path: Path, count: int) -> Path:
    lines = [
        json.dumps(
            {"code": "def f(x):\n    return x", "input": str(i), "output": str(i), "id": f"s{i}"}
        )
        for i in range(count)
    ]
    path.write_text("\n".join(lines) + "\n\n", encoding="utf-8")
    return path


def test_rows_are_read_in_order_with_start_and_limit(tmp_path: Path) -> None:
    rows = load_rows(write_rows(tmp_path / "d.jsonl", 5), limit=2, start=1)

    assert [r.id for r in rows] == ["s1", "s2"]
    assert rows[0].function == "f"
    assert rows[0].input == "1"


def test_a_row_that_is_not_json_names_its_line(tmp_path: Path) -> None:
    path = write_rows(tmp_path / "d.jsonl", 1)
    path.write_text(path.read_text() + "{oops\n")

    with pytest.raises(DatasetError, match=r"d\.jsonl:3: not JSON"):
        load_rows(path)


def test_a_row_missing_fields_says_which(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text(json.dumps({"code": "def f(): pass", "id": "x"}) + "\n")

    with pytest.raises(DatasetError, match="input, output"):
        load_rows(path)


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="cannot read dataset"):
        load_rows(tmp_path / "nope.jsonl")
