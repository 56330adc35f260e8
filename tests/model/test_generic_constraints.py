"""Constrained generic decoding: even a random model only writes well-formed frames."""

from __future__ import annotations

import ast
import itertools
from dataclasses import replace

from cwm_lsp.analysis.effects import LineEffects
from cwm_lsp.analysis.flow import RETURN, LineFlow
from cwm_lsp.formats.literal import LiteralState, literal_complete, literal_feed
from cwm_lsp.model.world import LlamaWorldModel
from cwm_lsp.trace import frame_depths

SOURCE = """\
def double(a):
    return a * 2


def f(items):
    total = 0
    for item in items:
        total += double(item)
    return total
"""
LINES = SOURCE.splitlines()


def test_every_frame_of_a_random_model_parses_and_maps_to_a_real_line(
    tiny_generic: LlamaWorldModel,
) -> None:
    imagined = tiny_generic.imagine(SOURCE, "f", "[1, 2]", max_frames=6)
    trace = imagined.trace
    assert trace.parse_errors == 0
    assert len(trace.frames) > 1
    for frame, depth in zip(trace.frames, frame_depths(trace.frames), strict=True):
        assert frame.source == LINES[frame.line - 1].rstrip()
        if frame.event == "call":
            assert frame.source.lstrip().startswith("def ")
        elif depth == 0:
            assert 6 <= frame.line <= 9
        if frame.event == "line" and depth == 0:
            assert set(frame.locals) <= {"items", "total", "item"}


def test_without_constraints_a_random_model_yields_counted_errors(
    tiny_generic: LlamaWorldModel,
) -> None:
    free = LlamaWorldModel(tiny_generic.engine, replace(tiny_generic.info), constrained=False)
    imagined = free.imagine(SOURCE, "f", "[1, 2]", max_frames=6)
    assert imagined.trace.parse_errors > 0
    assert imagined.trace.reason.value == "error"


def test_a_random_model_follows_the_flow_and_writes_only_reprs(
    tiny_generic: LlamaWorldModel,
) -> None:
    (node,) = [
        n for n in ast.parse(SOURCE).body if isinstance(n, ast.FunctionDef) and n.name == "f"
    ]
    flow, effects = LineFlow(node), LineEffects(node)
    trace = tiny_generic.imagine(SOURCE, "f", "[1, 2]", max_frames=20).trace
    assert trace.parse_errors == 0
    own = [
        fr
        for fr, depth in zip(trace.frames, frame_depths(trace.frames), strict=True)
        if depth == 0 and fr.event in ("call", "line", "return")
    ]
    for before, after in itertools.pairwise(own):
        following = flow.first if before.event == "call" else flow.after(before.line)
        assert following is not None
        assert (RETURN if after.event == "return" else after.line) in following
        if before.event == "line" and after.event == "line":
            changed = {k for k, v in after.locals.items() if before.locals.get(k) != v}
            assert changed <= (effects.changes(before.line) or set())
    for frame in trace.frames:
        for value in [*frame.locals.values(), *([frame.value] if frame.value else [])]:
            state = literal_feed(LiteralState(), value.encode())
            assert state is not None and literal_complete(state), value


def test_a_return_the_source_says_is_none_is_none_whatever_the_model(
    tiny_generic: LlamaWorldModel,
) -> None:
    """A bare ``return``, the end of the body and ``__init__`` give None, not a guess."""
    source = (
        "class Box:\n    def __init__(self, x):\n        self.x = x\n\n\n"
        "def f(x):\n    if x:\n        return\n    y = Box(x)\n"
    )
    returns = []
    for args in ("1", "0"):
        frames = tiny_generic.imagine(source, "f", args, max_frames=12).trace.frames
        returns += [
            b
            for a, b in itertools.pairwise(frames)
            if b.event == "return" and a.event != "exception"
        ]
    assert returns
    assert {frame.value for frame in returns} == {"None"}
