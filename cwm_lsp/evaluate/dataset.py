"""CRUXEval-format rows: ``code``, ``input``, ``output``, ``id`` (entry function ``f``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

ENTRY_FUNCTION = "f"


class DatasetError(ValueError):
    """The dataset file is missing or a row is malformed; the message says where."""


@dataclass(frozen=True)
class EvalRow:
    id: str
    code: str
    #: the argument list as Python source, e.g. ``"'abc', 2"``
    input: str
    #: the expected return value's repr
    output: str
    function: str = ENTRY_FUNCTION


def parse_row(data: object, where: str) -> EvalRow:
    if not isinstance(data, dict):
        raise DatasetError(f"{where}: a row must be a JSON object")
    missing = [key for key in ("code", "input", "output") if not isinstance(data.get(key), str)]
    if missing:
        raise DatasetError(f"{where}: missing or non-string field(s): {', '.join(missing)}")
    return EvalRow(
        id=str(data.get("id", where)),
        code=data["code"],
        input=data["input"],
        output=data["output"],
        function=str(data.get("function", ENTRY_FUNCTION)),
    )


def load_rows(path: str | Path, limit: int | None = None, start: int = 0) -> list[EvalRow]:
    """Rows ``start`` .. ``start + limit`` of a JSON-lines file (blank lines skipped)."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise DatasetError(f"cannot read dataset {file}: {exc.strerror or exc}") from None
    rows: list[EvalRow] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{file}:{number}"
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DatasetError(f"{where}: not JSON ({exc.msg})") from None
        rows.append(parse_row(data, where))
    if not rows:
        raise DatasetError(f"dataset {file} holds no rows")
    end = None if limit is None else start + limit
    return rows[start:end]
