"""Constrained generic decoding: even a random model only writes well-formed frames."""

from __future__ import annotations

from dataclasses import replace

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
