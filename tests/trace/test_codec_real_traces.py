"""The codec round-trips real traces: every CRUXEval dev function, traced for real."""

from __future__ import annotations

from typing import Any

from cwm_lsp.trace.codec import decode, encode
from cwm_lsp.trace.tracer import trace_call


def test_real_traces_of_the_dev_set_survive_encode_then_decode(
    cruxeval_rows: list[dict[str, Any]],
) -> None:
    failures = []
    for row in cruxeval_rows[:60]:
        trace = trace_call(source=row["code"], function="f", args=row["input"], timeout=10)
        result = decode(encode(trace, row["code"]), row["code"])
        if result.errors or result.frames != trace.frames:
            failures.append((row["id"], result.messages[:2]))
    assert failures == []
