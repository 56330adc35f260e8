"""The generic format's source rules, held against real traces (no model needed)."""

from __future__ import annotations

from cwm_lsp.analysis.source_index import SourceIndex
from cwm_lsp.formats.generic_rules import SourceRules
from cwm_lsp.formats.generic_text import render_frame
from cwm_lsp.trace import scope_base
from cwm_lsp.trace.tracer import trace_call

HANDLED_IN_THE_BODY = """\
def parse_all(items):
    out = []
    for item in items:
        try:
            out.append(int(item))
        except ValueError:
            out.append(-1)
    return out
"""


class Rules(SourceRules):
    def __init__(self, source: str, function: str) -> None:
        self.index = SourceIndex(source)
        self.entry_info = self.index.find(function)
        self.lines = [line.rstrip() for line in source.splitlines()]
        self.line_flow = True
        self.return_locals = True
        self.immutable_reads = True


def test_the_next_loop_item_is_right_after_an_exception_handled_in_the_body() -> None:
    trace = trace_call(
        source=HANDLED_IN_THE_BODY, function="parse_all", args="parse_all(['1', 'x', '3'])"
    )
    rules = Rules(HANDLED_IN_THE_BODY, "parse_all")
    frames = trace.frames
    checked = 0
    for k in range(1, len(frames)):
        if frames[k - 1].event != "line" or frames[k - 1].line != 3:
            continue
        planned = rules.loop_plan(frames[:k])
        if isinstance(planned, str):  # the next frame's text, read off the state
            truth = render_frame(frames[k], scope_base(frames, k))
            assert planned == truth, (k, planned, truth)
            checked += 1
    assert checked == 3  # every item, also the one after the ValueError
