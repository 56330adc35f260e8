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


LEDGER = """\
class Ledger:
    def __init__(self, owner):
        self.owner = owner
        self.history = []

    def add(self, amount):
        self.history.append(amount)
        return len(self.history)
"""

MONEY = """\
class Money:
    def __init__(self, cents):
        self.cents = cents

    def __add__(self, other):
        return Money(self.cents + other.cents)


def total(a, b):
    c = a + b
    return c.cents
"""


def test_a_class_with_plain_methods_runs_code_only_where_a_line_calls() -> None:
    """``self.history = []`` cannot start a frame of ``add``; the real trace of the
    constructor agrees, and every event it has stays allowed."""
    trace = trace_call(source=LEDGER, function="Ledger.__init__", args="Ledger('ada')")
    rules = Rules(LEDGER, "Ledger.__init__")
    frames = trace.frames
    for k in range(1, len(frames)):
        assert frames[k].event in rules.allowed_events(frames[:k]), k
    at_history = next(k for k, f in enumerate(frames) if f.line == 4) + 1
    assert "call" not in rules.allowed_events(frames[:at_history])


def test_an_operator_of_a_class_with_a_special_method_may_start_a_frame() -> None:
    trace = trace_call(source=MONEY, function="total", args="total(Money(1), Money(2))")
    rules = Rules(MONEY, "total")
    frames = trace.frames
    at_plus = next(k for k, f in enumerate(frames) if f.line == 10) + 1
    assert frames[at_plus].event == "call"  # Money.__add__, from `a + b`
    assert "call" in rules.allowed_events(frames[:at_plus])
