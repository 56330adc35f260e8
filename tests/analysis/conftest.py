"""Fixtures of the analysis tests: the real traces the rules are held against."""

from __future__ import annotations

from typing import Any

import pytest

from cwm_lsp.trace import Trace
from cwm_lsp.trace.tracer import trace_call


@pytest.fixture(scope="session")
def dev_traces(cruxeval_rows: list[dict[str, Any]]) -> list[tuple[dict[str, Any], Trace]]:
    """Each dev row with its real trace on the row's inputs (whole reprs), traced once."""
    return [
        (row, trace_call(row["code"], function="f", args=row["input"], repr_limit=0))
        for row in cruxeval_rows
    ]
