"""Corpus rows: what one traced function is, and the JSON-lines file that holds them.

Each line is one JSON object with sorted keys::

    {"args": "'ab', 2", "expected": null, "function": "f", "id": "gen-0-000003",
     "origin": "generated", "return_value": "'abab'", "source": "def f(s, n):\\n...",
     "trace": {... Trace.to_json() ...}}

``origin`` is ``"generated"`` or ``"doctest:<module>"``; ``expected`` is the
doctest's expected output (None for generated rows); ``return_value`` is
the repr the call returned (None when it raised); ``trace`` is the real
trace, :meth:`cwm_lsp.trace.types.Trace.to_json`.  A file is written sorted
by id, so the same rows give the same bytes.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class CorpusError(ValueError):
    """A corpus or dataset file cannot be read; the message says where and why."""


@dataclass(frozen=True)
class Candidate:
    """A function call to trace: where it came from, its source and its arguments."""

    id: str
    origin: str
    source: str
    function: str
    args: str
    expected: str | None = None


def record(candidate: Candidate, trace: Mapping[str, Any]) -> dict[str, Any]:
    """The corpus row for ``candidate`` traced as ``trace`` (a ``Trace.to_json()``)."""
    return {
        "id": candidate.id,
        "origin": candidate.origin,
        "function": candidate.function,
        "args": candidate.args,
        "source": candidate.source,
        "expected": candidate.expected,
        "return_value": trace.get("return_value"),
        "trace": dict(trace),
    }


def dumps(row: Mapping[str, Any]) -> str:
    """One row as its JSON line (no newline), the same bytes for the same row."""
    return json.dumps(row, sort_keys=True, ensure_ascii=False)


def read_rows(path: str | Path, *, repair: bool = False) -> list[dict[str, Any]]:
    """The rows of a corpus file.

    A last line without its newline (a build killed while writing) is kept
    when it is a whole row and skipped when it is cut short; with ``repair``
    the file is mended to match (newline added, or the piece cut off) so
    appending can go on.  Any other line that is not a JSON object with an
    ``id`` is an error.
    """
    file = Path(path)
    try:
        data = file.read_bytes()
    except OSError as error:
        raise CorpusError(f"cannot read {file}: {error.strerror or error}") from None
    *complete, tail = data.split(b"\n")
    rows = [_parse(raw, f"{file}:{n}") for n, raw in enumerate(complete, start=1) if raw.strip()]
    if tail.strip():
        try:
            rows.append(_parse(tail, f"{file}:{len(complete) + 1}"))
            mend = b"\n"
        except CorpusError:
            mend = b""
        if repair:
            with file.open("r+b") as handle:
                handle.truncate(len(data) - (0 if mend else len(tail)))
                handle.seek(0, os.SEEK_END)
                handle.write(mend)
    return rows


def _parse(raw: bytes, where: str) -> dict[str, Any]:
    try:
        row = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise CorpusError(f"{where}: not a JSON line") from None
    if not isinstance(row, dict) or not isinstance(row.get("id"), str):
        raise CorpusError(f"{where}: a row must be a JSON object with an id")
    return row


def write_rows(path: str | Path, rows: Iterable[Mapping[str, Any]]) -> int:
    """Write ``rows`` sorted by id, one per id (the last wins), atomically; returns the count."""
    by_id = {str(row["id"]): row for row in rows}
    file = Path(path)
    temporary = file.with_name(file.name + ".tmp")
    with temporary.open("w", encoding="utf-8", newline="\n") as handle:
        for key in sorted(by_id):
            handle.write(dumps(by_id[key]) + "\n")
    os.replace(temporary, file)
    return len(by_id)
