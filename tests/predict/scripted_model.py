"""A scripted WorldModel for plumbing tests (worker, queue, cache, server wiring).

It never runs code and knows nothing about Python: each ``imagine`` call
returns one frame per line of the source (``n`` = the line number), raises
ZeroDivisionError on a line holding ``/ 0``, runs into the frame cap on a
``while True`` line, after an optional ``delay``, and can be held until the test releases ``gate``, so tests
can keep the model busy on purpose.  Integration tests use the real model.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from cwm_lsp.model.api import HoleFill, Imagined, ModelInfo
from cwm_lsp.trace import EndReason, Frame, Trace


@dataclass
class ScriptedModel:
    info: ModelInfo = field(
        default_factory=lambda: ModelInfo("scripted.gguf", "settings", "generic", 1)
    )
    gate: threading.Event = field(default_factory=threading.Event)
    started: threading.Event = field(default_factory=threading.Event)
    calls: list[str] = field(default_factory=list)
    threads: set[str] = field(default_factory=set)
    delay: float = 0.0
    #: seconds between frames as they are streamed to ``on_frame``
    frame_delay: float = 0.0

    def __post_init__(self) -> None:
        self.gate.set()

    def session(self, *args: object, **kwargs: object) -> object:
        raise NotImplementedError

    def imagine(
        self,
        source: str,
        function: str,
        args: str | None = None,
        *,
        filename: str = "",
        temperature: float = 0.0,
        max_frames: int = 200,
        should_stop: object = None,
        on_frame: Callable[[Trace], None] | None = None,
    ) -> Imagined:
        self.threads.add(threading.current_thread().name)
        self.calls.append(function)
        self.started.set()
        stop = should_stop if callable(should_stop) else (lambda: False)
        deadline = time.monotonic() + self.delay
        while not (self.gate.is_set() and time.monotonic() >= deadline):
            if stop():
                return Imagined(Trace(function=function), cancelled=True)
            time.sleep(0.005)
        lines = source.splitlines()
        frames = [Frame("call", 1, lines[0], {})]
        for i, text in enumerate(lines[1:], 2):
            frames.append(Frame("line", i, text, {"n": str(i)}))
            if on_frame is not None:  # stream the trace so far, one frame at a time
                on_frame(Trace(list(frames), EndReason.FRAME_CAP, function, args or ""))
                pause = time.monotonic() + self.frame_delay
                while time.monotonic() < pause:
                    if stop():
                        return Imagined(Trace(function=function), cancelled=True)
                    time.sleep(0.005)
            if "/ 0" in text:  # scripted: a division by zero raises here
                frames.append(
                    Frame("exception", i, text, value="ZeroDivisionError('division by zero')")
                )
                trace = Trace(
                    frames, EndReason.RAISED, function, args or "", error="ZeroDivisionError"
                )
                return Imagined(trace, tokens_generated=10, seconds=0.1)
            if "while True" in text:  # scripted: a loop that never ends hits the frame cap
                frames += [Frame("line", i, text, {"n": str(i)})] * max_frames
                return Imagined(
                    Trace(frames[:max_frames], EndReason.FRAME_CAP, function, args or "")
                )
        frames.append(Frame("return", len(lines), lines[-1], value="0"))
        return Imagined(
            Trace(frames, EndReason.RETURNED, function, args or ""),
            tokens_generated=10,
            seconds=0.1,
        )

    def fill_hole(
        self, source: str, start: int, end: int, *, n: int = 3, should_stop: object = None
    ) -> list[HoleFill]:
        self.calls.append("fill")
        return [HoleFill("1"), HoleFill("x +")]

    def close(self) -> None:
        pass
