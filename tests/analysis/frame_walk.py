"""Walking a real trace function by function, for the tests that hold a rule against reality."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TypeVar

from cwm_lsp.trace import Frame, frame_depths

T = TypeVar("T")


def in_functions(
    frames: list[Frame], by_call_line: Mapping[int, T | None]
) -> Iterator[tuple[int, Frame, int, T | None]]:
    """(index, frame, depth, the object of the function the frame runs in), frame by frame.

    ``by_call_line`` maps the line of a function's call event to its object
    (a flow, the certain faults); a function it does not know gets None.
    """
    stack: list[T | None] = []
    for i, (frame, depth) in enumerate(zip(frames, frame_depths(frames), strict=True)):
        if frame.event == "call":
            stack = [*stack[:depth], by_call_line.get(frame.line)]
        yield i, frame, depth, stack[depth] if depth < len(stack) else None
