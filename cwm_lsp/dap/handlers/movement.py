"""Movement requests: continue, next, stepIn, stepOut, stepBack, reverseContinue, pause.

The imagined run moves first; in compare mode the real frames then make
the same kind of move (see :mod:`cwm_lsp.dap.navigation`), debugpy
stepping further when the recorded frames run out.  ``continue`` stops at
a breakpoint, an exception, the first divergence, a pause or the end.
"""

from __future__ import annotations

import logging

from cwm_lsp.dap.framing import Message
from cwm_lsp.dap.navigation import next_target, out_target
from cwm_lsp.dap.session_state import Handler, SessionState
from cwm_lsp.trace import Frame

log = logging.getLogger(__name__)


class MovementRequests:
    """Moves the imagined run and, in lockstep, the real one."""

    def __init__(self, state: SessionState) -> None:
        self.state = state

    def requests(self) -> dict[str, Handler]:
        return {
            "continue": self._movement("continue"),
            "next": self._movement("next"),
            "stepIn": self._movement("step"),
            "stepOut": self._movement("out"),
            "stepBack": self._movement("back"),
            "reverseContinue": self._movement("reverse"),
            "pause": self._pause,
        }

    def _movement(self, kind: str) -> Handler:
        async def handler(request: Message) -> None:
            state = self.state
            if state.run is None or state.ended:
                await state.connection.respond(request, error="no session is stopped")
                return
            body = {"allThreadsContinued": True} if kind == "continue" else None
            await state.connection.respond(request, body)
            state.pause_requested = False
            state.spawn(self._move(kind))

        return handler

    async def _pause(self, request: Message) -> None:
        self.state.pause_requested = True
        await self.state.connection.respond(request)

    async def _move(self, kind: str) -> None:
        state = self.state
        async with state.lock:
            if state.run is None or state.ended:
                return
            try:
                if kind == "continue":
                    await self.run_until_stop(forward=True)
                elif kind == "reverse":
                    await self.run_until_stop(forward=False)
                elif kind == "back":
                    await self._back_one()
                    await state.stop("step")
                else:
                    if state.run.at_end:
                        await state.end_of_trace()
                        return
                    before = state.run.index
                    frame = await self._imagined_move(kind)
                    if state.run.index == before and state.run.at_end:
                        await state.end_of_trace()  # the model ended the trace here
                        return
                    await self._real_move(kind)
                    await state.stop("exception" if frame.event == "exception" else "step")
            except Exception as exc:
                log.exception("%s failed", kind)
                await state.fail(f"the session failed while stepping ({kind}): {exc}")

    async def _imagined_move(self, kind: str) -> Frame:
        run = self.state.run
        assert run is not None
        if kind == "next":
            return await run.next()
        if kind == "out":
            return await run.out()
        return await run.step()

    async def _real_move(self, kind: str) -> None:
        state = self.state
        real = state.real
        if real is None:
            return
        while True:
            target: int | None
            if state.real_index >= len(real.frames):
                target = None
            elif kind == "next":
                target = next_target(real.frames, state.real_index)
            elif kind == "out":
                target = out_target(real.frames, state.real_index)
            else:
                target = state.real_index + 1 if state.real_index + 1 < len(real.frames) else None
            if target is not None:
                state.real_index = target
                break
            if not await real.advance():
                state.real_index = len(real.frames)
                break
        assert state.run is not None
        state.pairs[state.run.index] = state.real_index

    async def _back_one(self) -> None:
        state = self.state
        assert state.run is not None
        if state.run.index > 0:
            await state.run.back()
        if state.real is not None:
            known = [i for i in state.pairs if i <= state.run.index]
            state.real_index = state.pairs[max(known)] if known else 0

    async def run_until_stop(self, forward: bool) -> None:
        """Move frame by frame until a breakpoint, exception, divergence, pause or the end."""
        state = self.state
        run = state.run
        assert run is not None
        breakpoints = state.breakpoint_lines()
        while True:
            if state.pause_requested:
                state.pause_requested = False
                await state.stop("pause")
                return
            if forward:
                if run.at_end:
                    await state.end_of_trace()
                    return
                frame = await run.step()
                await self._real_move("step")
            else:
                if run.index == 0:
                    await state.stop("entry")
                    return
                await self._back_one()
                frame = run.current
            if frame.event == "exception" and forward:
                await state.stop("exception")
                return
            if frame.line in breakpoints and frame.event in ("line", "call"):
                await state.stop("breakpoint")
                return
            if (
                forward
                and state.real is not None
                and state.comparison().diverged
                and not state.diverged
            ):
                await state.stop("step")
                return
