"""A scripted stand-in for the model, for plumbing tests only (no llama.cpp).

It "imagines" a fixed list of frames and follows the TraceSession protocol:
step/next/out/back move an index; edit changes a local and truncates what
follows (like the real session, which regenerates from the edited state).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from cwm_lsp.model.api import ModelInfo
from cwm_lsp.trace import EndReason, Frame, Trace, frame_depths


@dataclass
class ScriptedSession:
    script: list[Frame]
    args: str = "(3,)"
    index: int = 0
    frames: list[Frame] = field(default_factory=list)
    tokens_evaluated: int = 0
    edits: list[tuple[str, str]] = field(default_factory=list)
    closed: bool = False
    #: raise RuntimeError when asked for this frame index (a model failing mid-session)
    fail_at: int | None = None

    def __post_init__(self) -> None:
        self.frames = [self.script[0]]

    @property
    def done(self) -> bool:
        return len(self.frames) == len(self.script)

    @property
    def current(self) -> Frame:
        return self.frames[self.index]

    @property
    def trace(self) -> Trace:
        last = self.frames[-1]
        reason = EndReason.RAISED if last.event == "exception" else EndReason.RETURNED
        return Trace(frames=list(self.frames), reason=reason, function="f", args=self.args)

    def _goto(self, index: int) -> Frame:
        if self.fail_at is not None and index >= self.fail_at:
            raise RuntimeError("llama_decode returned -3")
        while len(self.frames) <= index and not self.done:
            self.frames.append(self.script[len(self.frames)])
        self.index = min(index, len(self.frames) - 1)
        return self.current

    def reset(self, args: str | None = None) -> Frame:
        self.index = 0
        return self.current

    def step(self) -> Frame:
        return self._goto(self.index + 1)

    def next(self) -> Frame:
        depths = frame_depths(self.script)
        for j in range(self.index + 1, len(self.script)):
            if depths[j] <= depths[self.index]:
                return self._goto(j)
        return self._goto(len(self.script) - 1)

    def out(self) -> Frame:
        depths = frame_depths(self.script)
        for j in range(self.index + 1, len(self.script)):
            if depths[j] < depths[self.index] or (
                depths[j] == depths[self.index] and self.script[j].event == "return"
            ):
                return self._goto(j)
        return self._goto(len(self.script) - 1)

    def back(self) -> Frame:
        self.index = max(0, self.index - 1)
        return self.current

    def run_to(self, line: int, max_frames: int | None = None) -> Frame:
        for j in range(self.index + 1, len(self.script)):
            if self.script[j].line == line:
                return self._goto(j)
        return self._goto(len(self.script) - 1)

    def edit(self, name: str, value: str) -> Frame:
        self.edits.append((name, value))
        frame = self.current
        self.frames[self.index] = dataclasses.replace(frame, locals={**frame.locals, name: value})
        return self.current

    def run(self, max_frames: int | None = None) -> Trace:
        self._goto(len(self.script) - 1)
        return self.trace

    def stack(self) -> list[tuple[str, int]]:
        return [("f", self.current.line)]

    def close(self) -> None:
        self.closed = True


class ScriptedModel:
    def __init__(self, script: list[Frame], args: str = "(3,)", fail_at: int | None = None) -> None:
        self.script = script
        self.args = args
        self.fail_at = fail_at
        self.info = ModelInfo(path="scripted", origin="test", format="generic", size_bytes=0)
        self.sessions: list[ScriptedSession] = []

    def session(
        self,
        source: str,
        function: str,
        *,
        args: str | None = None,
        filename: str = "<source>",
        temperature: float = 0.0,
        max_frames: int = 200,
    ) -> ScriptedSession:
        session = ScriptedSession(
            self.script, args if args is not None else self.args, fail_at=self.fail_at
        )
        self.sessions.append(session)
        return session

    def close(self) -> None:
        pass
