"""The imagined side: a TraceSession driven from asyncio, every call on the model thread."""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable
from typing import Protocol, TypeVar

from cwm_lsp.model.api import TraceSession, WorldModel
from cwm_lsp.trace import Frame, Trace

T = TypeVar("T")


class ModelExecutor(Protocol):
    """Runs callables on the one thread that owns the model."""

    def submit(self, fn: Callable[[], T], /) -> concurrent.futures.Future[T]: ...


async def on_model_thread(executor: ModelExecutor, fn: Callable[[], T]) -> T:
    return await asyncio.wrap_future(executor.submit(fn))


class ImaginedRun:
    """One imagined execution being stepped; mirrors TraceSession, awaitable."""

    def __init__(self, executor: ModelExecutor, session: TraceSession) -> None:
        self._executor = executor
        self.session = session

    @classmethod
    async def open(
        cls,
        executor: ModelExecutor,
        model: WorldModel,
        *,
        source: str,
        function: str,
        args: str | None,
        filename: str,
        temperature: float,
        max_frames: int,
    ) -> ImaginedRun:
        def start() -> TraceSession:
            session = model.session(
                source,
                function,
                args=args,
                filename=filename,
                temperature=temperature,
                max_frames=max_frames,
            )
            if not session.frames:
                session.reset()
            if not session.frames:
                error = session.trace.error or "no entry frame"
                session.close()
                raise RuntimeError(error)
            return session

        return cls(executor, await on_model_thread(executor, start))

    @property
    def frames(self) -> list[Frame]:
        return self.session.frames

    @property
    def index(self) -> int:
        return self.session.index

    @property
    def current(self) -> Frame:
        return self.session.frames[self.session.index]

    @property
    def args(self) -> str:
        return self.session.args

    @property
    def trace(self) -> Trace:
        return self.session.trace

    @property
    def at_end(self) -> bool:
        """Nothing more to step to: the trace is complete and we are on its last frame."""
        return self.session.done and self.session.index >= len(self.session.frames) - 1

    async def _call(self, fn: Callable[[], Frame]) -> Frame:
        return await on_model_thread(self._executor, fn)

    async def step(self) -> Frame:
        return await self._call(self.session.step)

    async def next(self) -> Frame:
        return await self._call(self.session.next)

    async def out(self) -> Frame:
        return await self._call(self.session.out)

    async def back(self) -> Frame:
        return await self._call(self.session.back)

    async def edit(self, name: str, value: str) -> Frame:
        return await self._call(lambda: self.session.edit(name, value))

    async def close(self) -> None:
        await on_model_thread(self._executor, self.session.close)
