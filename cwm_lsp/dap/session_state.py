"""What one DAP connection's request handlers share: its sessions, and the events that end a move.

:class:`SessionState` owns the launch configuration, the imagined run, the
real (debugpy) session and the lockstep pairing between them, plus the
events every request family sends: ``stopped`` (with "diverged: …" in
compare mode) and ``exited``/``terminated``.  The handler families in
:mod:`cwm_lsp.dap.handlers` act on it; :class:`cwm_lsp.dap.adapter.DebugAdapter`
routes requests to them.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Awaitable, Callable
from typing import Any

from cwm_lsp.dap.connection import DapConnection
from cwm_lsp.dap.framing import Message
from cwm_lsp.dap.imagined import ImaginedRun, ModelExecutor
from cwm_lsp.dap.launch_config import LaunchConfig
from cwm_lsp.dap.lockstep import Comparison, compare_stop
from cwm_lsp.dap.models import ModelSource
from cwm_lsp.dap.real_session import RealSession
from cwm_lsp.dap.references import IMAGINED, REAL
from cwm_lsp.model.termination import termination_evidence
from cwm_lsp.trace import EndReason, Frame, state_at

#: Answers one DAP request (the connection gets the response).
Handler = Callable[[Message], Awaitable[None]]


def normalise_path(path: str) -> str:
    """``path`` as breakpoints are keyed: real, case-normalised ("" stays "")."""
    return os.path.normcase(os.path.realpath(path)) if path else ""


def request_arguments(request: Message) -> dict[str, Any]:
    """A request's ``arguments`` object ({} when absent or not an object)."""
    arguments = request.get("arguments")
    return arguments if isinstance(arguments, dict) else {}


class BadArguments(ValueError):
    """A request's arguments cannot be used; its message is the failed response's."""


def int_argument(request: Message, name: str, default: int) -> int:
    """A non-negative integer argument (ids and references), else :class:`BadArguments`."""
    value = request_arguments(request).get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise BadArguments(
            f"{request.get('command')}: '{name}' must be a non-negative integer, not {value!r:.80}"
        )
    return value


class SessionState:
    """One client connection's sessions; they run one after another (``restart``)."""

    def __init__(
        self, connection: DapConnection, executor: ModelExecutor, models: ModelSource
    ) -> None:
        self.connection = connection
        self.executor = executor
        self.models = models
        self.config: LaunchConfig | None = None
        self.run: ImaginedRun | None = None
        self.real: RealSession | None = None
        #: the real frame paired with the imagined stop
        self.real_index = 0
        #: imagined frame index -> real frame index, for stepping back
        self.pairs: dict[int, int] = {}
        #: normalised source path -> breakpoint lines
        self.breakpoints: dict[str, set[int]] = {}
        self.configured = asyncio.Event()
        #: held while the sessions move, are edited or are replaced
        self.lock = asyncio.Lock()
        self.pause_requested = False
        self.ended = False
        #: the last reported stop had diverged (report each divergence once)
        self.diverged = False
        self.start_task: asyncio.Task[None] | None = None
        self.finished = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()

    # -- plumbing ---------------------------------------------------------

    def spawn(self, coroutine: Awaitable[None]) -> asyncio.Task[None]:
        """Run ``coroutine`` as a task that :meth:`shutdown` cancels."""
        task: asyncio.Task[None] = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def output(self, text: str, category: str = "console") -> None:
        await self.connection.output(text, category)

    def breakpoint_lines(self) -> set[int]:
        """The breakpoint lines set in the launched program."""
        if self.config is None:
            return set()
        return self.breakpoints.get(normalise_path(str(self.config.program)), set())

    # -- the two worlds ---------------------------------------------------

    def comparison(self) -> Comparison:
        """How the current imagined stop differs from its paired real frame."""
        assert self.run is not None
        frames = self.run.frames
        index = self.run.index
        real_frame, real_state = None, {}
        real = self.real
        if real is not None and self.real_index < len(real.frames):
            real_frame = real.frames[self.real_index]
            real_state = dict(state_at(real.frames, self.real_index))
        return compare_stop(frames[index], state_at(frames, index), real_frame, real_state)

    def world(self, thread: int) -> tuple[list[Frame], int] | None:
        """(frames, current index) of a thread, or None when it has nothing to show."""
        if thread == IMAGINED and self.run is not None and self.run.frames:
            return self.run.frames, self.run.index
        if thread == REAL and self.real is not None and self.real_index < len(self.real.frames):
            return self.real.frames, self.real_index
        return None

    # -- stopping and ending ----------------------------------------------

    async def stop(self, reason: str) -> None:
        """Send ``stopped`` for the imagined thread (noting a new divergence)."""
        body: dict[str, Any] = {"reason": reason, "threadId": IMAGINED, "allThreadsStopped": True}
        if self.real is not None:
            comparison = self.comparison()
            if comparison.diverged and not self.diverged:
                text = "diverged: " + comparison.describe()
                body["description"] = text
                body["text"] = text
                await self.output(text, "important")
            self.diverged = comparison.diverged
        elif reason == "exception" and self.run is not None:
            body["text"] = self.run.current.value or "exception"
        await self.connection.event("stopped", body)

    async def end_of_trace(self) -> None:
        """The imagined run has nothing more: say how it ended and end the session."""
        assert self.run is not None
        trace = self.run.trace
        if trace.reason is EndReason.RETURNED:
            message = f"imagined run returned {trace.return_value}"
        elif trace.reason is EndReason.RAISED:
            exception = trace.exception
            message = f"imagined run raised {exception.value if exception else trace.error}"
        elif trace.reason is EndReason.FRAME_CAP:
            # the cap is no evidence that the function never ends: say where it stopped,
            # and what the source shows, if it shows anything
            message = f"imagined run stopped after {len(trace.frames)} imagined steps (maxFrames)"
            if self.config is not None:
                shown = termination_evidence(self.config.source, self.config.function)
                message += "".join(f"; line {e.line}: {e.message()}" for e in shown)
        elif trace.reason is EndReason.CYCLE:
            message = f"imagined run may not terminate: {trace.error}"
        else:
            message = f"imagined run ended ({trace.reason}): {trace.error}"
        if self.real is not None and self.real.ended:
            message += f"; real run: {self.real.end_message}"
        await self.finish(message, 0 if trace.reason is EndReason.RETURNED else 1)

    async def finish(self, message: str, exit_code: int, category: str = "console") -> None:
        """End the session once: the message, then ``exited`` and ``terminated``."""
        if self.ended:
            return
        self.ended = True
        await self.output(message, category)
        await self.close_real()
        await self.connection.event("exited", {"exitCode": exit_code})
        await self.connection.event("terminated")

    async def fail(self, message: str) -> None:
        await self.finish(message, 1, "stderr")

    # -- closing ----------------------------------------------------------

    async def close_real(self) -> None:
        real, self.real = self.real, None
        if real is not None:
            await real.close()

    async def close_sessions(self) -> None:
        """Close the real session and the imagined run; forget their pairing."""
        await self.close_real()
        run, self.run = self.run, None
        if run is not None:
            with contextlib.suppress(Exception):
                await run.close()
        self.pairs = {}
        self.real_index = 0

    async def shutdown(self) -> None:
        """End everything this connection started (sessions, debugpy, tasks)."""
        current = asyncio.current_task()
        for task in list(self._tasks):
            if task is not current:
                task.cancel()
        for task in list(self._tasks):
            if task is not current:
                with contextlib.suppress(BaseException):
                    await task
        await self.close_sessions()
