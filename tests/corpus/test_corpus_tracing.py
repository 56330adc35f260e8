"""Tracing candidates for real: whole traces are kept, capped or broken ones dropped."""

from __future__ import annotations

from cwm_lsp.corpus.records import Candidate
from cwm_lsp.corpus.tracing import trace_all, trace_candidate
from cwm_lsp.trace.types import Trace, frame_depths

LONG_LOOP = (
    "def spin(n):\n    total = 0\n    for i in range(n):\n        total += i\n    return total\n"
)


def candidate(source: str, function: str, args: str) -> Candidate:
    return Candidate("t-1", "generated", source, function, args)


def test_every_generated_function_terminates_and_ends_with_its_return_or_exception(programs):
    outcomes = list(trace_all(_candidates(programs[:30]), max_frames=60))

    assert [o.candidate.id for o in outcomes] == [f"gen-0-{i:06d}" for i in range(30)]
    assert {o.dropped for o in outcomes} <= {None, "frame cap"}  # never a timeout or crash
    kept = [o.row for o in outcomes if o.row is not None]
    assert len(kept) >= 25
    for row in kept:
        trace = Trace.from_json(row["trace"])
        assert trace.reason.value in ("returned", "raised")
        assert trace.frames[0].event == "call"
        assert trace.frames[-1].event in ("return", "exception")
        assert frame_depths(trace.frames)[-1] == 0
        assert len(trace.frames) <= 60


def test_a_kept_row_records_source_call_trace_and_return_value():
    outcome = trace_candidate(candidate(LONG_LOOP, "spin", "3"))

    row = outcome.row
    assert row is not None and outcome.dropped is None
    assert row["id"] == "t-1" and row["origin"] == "generated"
    assert (row["function"], row["args"], row["source"]) == ("spin", "3", LONG_LOOP)
    assert row["return_value"] == "3" == row["trace"]["return_value"]
    assert row["trace"]["frames"][-1]["event"] == "return"


def test_a_call_past_the_frame_cap_is_dropped():
    outcome = trace_candidate(candidate(LONG_LOOP, "spin", "100"), max_frames=60)

    assert outcome.row is None and outcome.dropped == "frame cap"


def test_an_uncaught_exception_is_kept_as_a_raised_trace():
    outcome = trace_candidate(candidate("def first(xs):\n    return xs[0]\n", "first", "[]"))

    assert outcome.row is not None
    assert outcome.row["trace"]["reason"] == "raised"
    assert outcome.row["return_value"] is None
    assert "IndexError" in outcome.row["trace"]["error"]


def test_unusable_inputs_and_broken_modules_are_dropped():
    bad_args = trace_candidate(candidate("def f(x):\n    return x\n", "f", "(((("))
    broken = trace_candidate(candidate("raise SystemError\ndef f():\n    return 1\n", "f", ""))

    assert bad_args.dropped == "input error"
    assert broken.dropped == "load failed"


def test_workers_give_the_same_rows_in_the_same_order(programs):
    one = [o.row for o in trace_all(_candidates(programs[:8]), workers=1)]
    two = [o.row for o in trace_all(_candidates(programs[:8]), workers=2)]

    assert one == two


def _candidates(programs):
    return [
        Candidate(f"gen-0-{i:06d}", "generated", p.source, p.function, p.args)
        for i, p in enumerate(programs)
    ]
