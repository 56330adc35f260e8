"""The WorldModel the server holds when the model lives in a host process.

:class:`HostWorldModel` fills :class:`~cwm_lsp.model.api.WorldModel` by
calling the host; :class:`HostSession` fills
:class:`~cwm_lsp.model.api.TraceSession`, keeping the frames, index and end
state the host sends after every move, so reading them never waits on the
host.  Only requests and frames cross the pipe; every token is chosen in
the host.  When the host dies, each call raises
:class:`~cwm_lsp.model.api.ModelDied` (sessions included: a session lives
in one host and cannot move to the next).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from cwm_lsp.host.messages import Loaded, Progress, SessionView, Streamed
from cwm_lsp.host.process import HostProcess
from cwm_lsp.model.api import (
    HoleFill,
    Imagined,
    ModelConfig,
    ModelDied,
    ModelInfo,
    NextStates,
    OnFrame,
    ShouldStop,
)
from cwm_lsp.model.api import Progress as ProgressCallback
from cwm_lsp.trace import Frame, Trace


class HostSession:
    """A stepping session in the host; its state is the host's last :class:`SessionView`."""

    def __init__(self, host: HostProcess, sid: int, view: SessionView) -> None:
        self._host = host
        self._sid = sid
        self.frames: list[Frame] = []
        self.index = 0
        self.args = ""
        self.done = False
        self.tokens_evaluated = 0
        self.invented_args = False
        self._meta: SessionView = view
        self._closed = False
        self._apply(view)

    def _apply(self, view: SessionView) -> None:
        self.frames = view.frames.apply(self.frames)
        self.index = view.index
        self.args = view.args
        self.done = view.done
        self.tokens_evaluated = view.tokens_evaluated
        self.invented_args = view.invented_args
        self._meta = view

    def _move(self, name: str, *args: Any) -> Any:
        result, view = self._host.call("session", self._sid, name, *args)
        self._apply(view)
        return result

    @property
    def current(self) -> Frame:
        if not self.frames:
            self.reset()
        if not self.frames:
            raise RuntimeError(f"no imagined frame: {self._meta.error or 'the model failed'}")
        return self.frames[self.index]

    @property
    def trace(self) -> Trace:
        meta = self._meta
        return Trace(
            frames=list(self.frames),
            reason=meta.reason,
            function=meta.function,
            args=self.args,
            error=meta.error,
            parse_errors=meta.parse_errors,
        )

    def reset(self, args: str | None = None) -> Frame:
        frame: Frame = self._move("reset", args)
        return frame

    def step(self) -> Frame:
        frame: Frame = self._move("step")
        return frame

    def next(self) -> Frame:
        frame: Frame = self._move("next")
        return frame

    def out(self) -> Frame:
        frame: Frame = self._move("out")
        return frame

    def back(self) -> Frame:
        frame: Frame = self._move("back")
        return frame

    def run_to(self, line: int, max_frames: int | None = None) -> Frame:
        frame: Frame = self._move("run_to", line, max_frames)
        return frame

    def edit(self, name: str, value: str) -> Frame:
        frame: Frame = self._move("edit", name, value)
        return frame

    def run(self, max_frames: int | None = None) -> Trace:
        self._move("run", max_frames)
        return self.trace

    def stack(self) -> list[tuple[str, int]]:
        stack: list[tuple[str, int]] = self._host.call("session_stack", self._sid)
        return stack

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._host.alive:
            with contextlib.suppress(ModelDied):  # a session of a dead host is closed already
                self._host.call("session_close", self._sid)


class HostWorldModel:
    """A WorldModel whose model (and every token of its loop) lives in a host process."""

    def __init__(self, host: HostProcess, loaded: Loaded) -> None:
        self.host = host
        self.info: ModelInfo = loaded.info
        self.calibration = loaded.calibration
        self.prefix_report = loaded.prefix_report
        self.pid = loaded.pid

    @classmethod
    def start(cls, config: ModelConfig, progress: ProgressCallback | None = None) -> HostWorldModel:
        """Start a host and load ``config`` in it; ModelLoadError (or ModelDied) when it cannot."""
        host = HostProcess()

        def forward(message: Any) -> None:
            if progress is not None and isinstance(message, Progress):
                progress(message.fraction, message.message)

        try:
            loaded: Loaded = host.call("load", replace(config, host="inline"), on_event=forward)
        except BaseException:
            host.close()
            raise
        return cls(host, loaded)

    # -- the WorldModel protocol -------------------------------------------------------------------

    @property
    def alive(self) -> bool:
        return self.host.alive

    @property
    def death(self) -> str | None:
        return self.host.death

    @property
    def on_death(self) -> Callable[[str], None] | None:
        return self.host.on_death

    @on_death.setter
    def on_death(self, listener: Callable[[str], None] | None) -> None:
        self.host.on_death = listener

    def session(
        self,
        source: str,
        function: str,
        *,
        args: str | None = None,
        filename: str = "<source>",
        temperature: float = 0.0,
        max_frames: int = 200,
    ) -> HostSession:
        sid, view = self.host.call(
            "session_open",
            source,
            function,
            args=args,
            filename=filename,
            temperature=temperature,
            max_frames=max_frames,
        )
        return HostSession(self.host, sid, view)

    def imagine(
        self,
        source: str,
        function: str,
        args: str | None = None,
        *,
        filename: str = "<source>",
        temperature: float = 0.0,
        max_frames: int = 200,
        should_stop: ShouldStop | None = None,
        on_frame: OnFrame | None = None,
    ) -> Imagined:
        frames: list[Frame] = []

        def streamed(message: Any) -> None:
            if on_frame is not None and isinstance(message, Streamed):
                frames[:] = message.frames.apply(frames)
                on_frame(message.trace(list(frames)))

        imagined: Imagined = self.host.call(
            "imagine",
            source,
            function,
            args,
            filename=filename,
            temperature=temperature,
            max_frames=max_frames,
            stream=on_frame is not None,
            on_event=streamed,
            should_stop=should_stop,
        )
        return imagined

    def next_states(
        self,
        source: str,
        function: str,
        args: str,
        real: Sequence[Frame],
        *,
        should_stop: ShouldStop | None = None,
    ) -> NextStates:
        result: NextStates = self.host.call(
            "next_states", source, function, args, list(real), should_stop=should_stop
        )
        return result

    def fill_hole(
        self,
        source: str,
        start: int,
        end: int,
        *,
        n: int = 3,
        should_stop: ShouldStop | None = None,
    ) -> list[HoleFill]:
        fills: list[HoleFill] = self.host.call(
            "fill_hole", source, start, end, n=n, should_stop=should_stop
        )
        return fills

    def close(self) -> None:
        self.host.close()
