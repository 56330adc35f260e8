"""A session stops an imagined run at a cycle, and says the frame cap is only a cap.

The frames come from a scripted format (no model): the session's own logic
decides when the run ends.
"""

from __future__ import annotations

from typing import cast

from cwm_lsp.engine import Engine, ShouldStop
from cwm_lsp.engine.decoder import Decoder
from cwm_lsp.formats.base import Entry, FrameFormat, Generated
from cwm_lsp.model.session import ImaginedSession
from cwm_lsp.trace import EndReason, Event, Frame

SWAP = "def f(a, b):\n    while a != b:\n        a, b = b, a\n    return a\n"
COUNT = "def f(n):\n    while True:\n        n += 1\n"


class ScriptedFormat(FrameFormat):
    """Gives the frames of a script, one per step (the entry call first)."""

    name = "generic"

    def __init__(self, source: str, script: list[Frame]) -> None:
        super().__init__(cast(Engine, None), source, "f")
        self.script = script

    def prompt(self, dec: Decoder) -> None:
        pass

    def entry(self, dec: Decoder, args: str | None, should_stop: ShouldStop | None) -> Entry:
        return Entry(self.script[0], args or "", False)

    def generate(
        self, dec: Decoder, frames: list[Frame], force: Event | None, should_stop: ShouldStop | None
    ) -> Generated:
        if len(frames) >= len(self.script):
            return Generated(ended=True)
        return Generated(frame=self.script[len(frames)])

    def frame_tokens(self, frames: list[Frame], index: int) -> list[int]:
        return []


def session_on(source: str, script: list[Frame], max_frames: int = 200) -> ImaginedSession:
    return ImaginedSession(
        cast(Engine, None), ScriptedFormat(source, script), max_frames=max_frames
    )


def swapping(turns: int) -> list[Frame]:
    frames = [Frame("call", 1, "def f(a, b):", {"a": "1", "b": "2"})]
    state = {"a": "1", "b": "2"}
    for _ in range(turns):
        frames.append(Frame("line", 2, "    while a != b:", dict(state)))
        frames.append(Frame("line", 3, "        a, b = b, a", dict(state)))
        state = {"a": state["b"], "b": state["a"]}
    return frames


def test_the_run_stops_where_it_comes_back_to_a_line_with_the_same_state() -> None:
    trace = session_on(SWAP, swapping(50)).run()
    assert trace.reason is EndReason.CYCLE
    assert len(trace.frames) == 6  # call, then two turns, then line 2 with a=1, b=2 again
    assert trace.frames[-1] == trace.frames[1]
    assert "line 2 repeats with the same state (steps 2 and 6)" in trace.error


def test_a_run_whose_state_keeps_changing_runs_to_the_cap_and_says_so_plainly() -> None:
    script = [Frame("call", 1, "def f(n):", {"n": "0"})]
    for n in range(100):
        script.append(Frame("line", 2, "    while True:", {"n": str(n)}))
        script.append(Frame("line", 3, "        n += 1", {"n": str(n)}))
    trace = session_on(COUNT, script, max_frames=20).run()
    assert trace.reason is EndReason.FRAME_CAP and len(trace.frames) == 20
    assert trace.error == "stopped after 20 imagined steps (the frame cap)"
    assert "terminate" not in trace.error


def test_stepping_stops_at_the_cycle_too() -> None:
    session = session_on(SWAP, swapping(50))
    session.reset()
    while not session.done:
        session.step()
    assert session.trace.reason is EndReason.CYCLE and len(session.frames) == 6
