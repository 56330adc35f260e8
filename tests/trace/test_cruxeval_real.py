"""All 200 CRUXEval dev functions, traced for real, return the dataset's expected output."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from cwm_lsp.trace import EndReason, Trace
from cwm_lsp.trace.compare import values_equal
from cwm_lsp.trace.tracer import trace_call


@pytest.mark.slow
def test_every_cruxeval_dev_function_returns_the_expected_output(cruxeval_rows):
    def run(row: dict[str, str]) -> Trace:
        # repr_limit=0: whole reprs, so the return value can be compared exactly.
        return trace_call(row["code"], function="f", args=row["input"], repr_limit=0, timeout=60)

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=2) as pool:  # each trace is its own child process
        traces = list(pool.map(run, cruxeval_rows))
    elapsed = time.monotonic() - started

    wrong = [
        f"{row['id']}: {trace.reason} {trace.error} returned {trace.return_value!r}, "
        f"expected {row['output']!r}"
        for row, trace in zip(cruxeval_rows, traces, strict=True)
        if trace.reason is not EndReason.RETURNED
        or not values_equal(trace.return_value, row["output"])
    ]
    print(
        f"\n{len(traces) - len(wrong)}/{len(traces)} CRUXEval dev outputs match in {elapsed:.1f} s"
    )
    assert len(cruxeval_rows) == 200
    assert wrong == []
    assert all(trace.frames[0].event == "call" for trace in traces)
