"""The real side of a compare session: debugpy runs the function, we record its stops as Frames.

Every real step is a debugpy ``stepIn``; each stop becomes a Frame with
sys.settrace's meaning: entering a function adds a ``call`` frame (at its
``def`` line, locals = the arguments) before the first ``line`` frame;
coming back to the caller adds a ``return`` frame whose value is debugpy's
``(return) name`` variable (no line frame: the caller resumes mid-line); a
stop on a raised exception adds an ``exception`` frame.

The debugpy process lives in :mod:`cwm_lsp.dap.debugpy_process`, the
reading of its variables in :mod:`cwm_lsp.dap.real_variables` and of the
program's source in :mod:`cwm_lsp.dap.program_source`.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from typing import Any

from cwm_lsp.dap.client import DapClosedError, DapRequestError
from cwm_lsp.dap.debugpy_process import DebugpyProcess, OutputSink, RealSessionError
from cwm_lsp.dap.launch_config import LaunchConfig
from cwm_lsp.dap.program_source import def_line, line_text, same_file
from cwm_lsp.dap.real_variables import exception_value, read_locals, set_local
from cwm_lsp.trace import EndReason, Frame

__all__ = ["OutputSink", "RealSession", "RealSessionError"]

log = logging.getLogger(__name__)


class RealSession:
    """debugpy running ``function(args)``; ``frames`` grows as :meth:`advance` steps it."""

    def __init__(self, config: LaunchConfig, args: str, on_output: OutputSink) -> None:
        self.config = config
        self.args = args
        self.frames: list[Frame] = []
        self.ended = False
        self.reason: EndReason | None = None
        self.end_message = ""
        self._debugpy = DebugpyProcess(config, args, on_output)
        self._thread_id = 0
        self._depth = -1  # depth of the last recorded frame's scope; -1 before the call
        self._callees: list[str] = []  # function name per depth
        self._locals_ref = 0

    # -- life cycle -------------------------------------------------------

    async def start(self) -> None:
        """Start debugpy, run to the call and step into the function (first frames recorded)."""
        await self._debugpy.start()
        try:
            self._thread_id = await self._debugpy.run_to_call()
            await self.advance()
        except (DapRequestError, DapClosedError, TimeoutError, asyncio.TimeoutError) as exc:
            raise RealSessionError(f"debugpy could not start the program: {exc}") from exc

    async def close(self) -> None:
        """End the debuggee, debugpy and every process they started."""
        await self._debugpy.close()

    # -- stepping ---------------------------------------------------------

    def _end(self, reason: EndReason, message: str) -> None:
        self.ended = True
        self.reason = reason
        self.end_message = message

    async def advance(self) -> bool:
        """Record at least one more frame (stepping debugpy); False once the real run has ended."""
        if self.ended:
            return False
        if len(self.frames) >= self.config.max_frames:
            self._end(
                EndReason.FRAME_CAP, f"the real run reached maxFrames ({self.config.max_frames})"
            )
            return False
        client = self._debugpy.client
        before = len(self.frames)
        while len(self.frames) == before and not self.ended:
            try:
                await client.request("stepIn", {"threadId": self._thread_id})
                stop = await self._debugpy.next_stop(self.config.real_step_timeout)
            except (TimeoutError, asyncio.TimeoutError):
                self._end(
                    EndReason.TIMEOUT,
                    f"the real program did not reach another line within "
                    f"{self.config.real_step_timeout:g} s (a long call, or waiting for input?)",
                )
                return False
            except (DapClosedError, DapRequestError) as exc:
                self._end(EndReason.CRASH, f"debugpy stopped answering: {exc}")
                return False
            if stop is None:
                self._on_exit()
                break
            await self._record(stop)
        return len(self.frames) > before

    def _on_exit(self) -> None:
        if self.frames and self.frames[-1].event == "exception":
            self._end(EndReason.RAISED, f"the real program raised {self.frames[-1].value}")
        else:
            self._end(
                EndReason.CRASH,
                "the real program ended before the function returned ("
                + self._debugpy.ending_text()
                + ")",
            )

    async def _record(self, stop: dict[str, Any]) -> None:
        client = self._debugpy.client
        self._thread_id = int(stop.get("threadId", self._thread_id))
        stack = (await client.request("stackTrace", {"threadId": self._thread_id}))["stackFrames"]
        target = None
        for position, frame in enumerate(stack):
            path = (frame.get("source") or {}).get("path", "")
            if (
                frame.get("name") == self.config.function
                and path
                and same_file(path, str(self.config.program))
            ):
                target = position
        top = stack[0] if stack else {}
        top_path = str((top.get("source") or {}).get("path", ""))
        top_line = int(top.get("line", 0))
        local_vars, returns = await self._locals(int(top["id"])) if stack else ({}, {})
        if target is None:
            if self._depth >= 0 and self.frames and self.frames[-1].event == "exception":
                self._add_return("None")  # as sys.settrace: the raising frame returns None
                self._depth = -1
                self._end(EndReason.RAISED, f"the real function raised {self.frames[-1].value}")
                with contextlib.suppress(Exception):
                    await client.request("continue", {"threadId": self._thread_id})
            elif self._depth >= 0:
                name = self._callees[0] if self._callees else self.config.function
                self._add_return(returns.get(name, "None"))
                self._depth = -1
                self._end(EndReason.RETURNED, "the real function returned")
                with contextlib.suppress(Exception):
                    await client.request("continue", {"threadId": self._thread_id})
            else:
                # Still in the launcher (e.g. an exception while evaluating the arguments).
                await client.request("stepIn", {"threadId": self._thread_id})
            return
        depth = target
        if stop.get("reason") == "exception":
            value = await exception_value(client, self._thread_id)
            self.frames.append(
                Frame("exception", top_line, line_text(top_path, top_line), value=value)
            )
            return
        if depth > self._depth:
            name = str(top.get("name", ""))
            self._callees = [*self._callees[: self._depth + 1], name]
            self._depth = depth
            call_line = def_line(top_path, name, top_line)
            self.frames.append(Frame("call", call_line, line_text(top_path, call_line), local_vars))
        elif depth < self._depth:
            name = self._callees[self._depth] if self._depth < len(self._callees) else ""
            self._add_return(returns.get(name, "None"))
            self._depth = depth
            return  # the caller resumes mid-line: no new line event
        self.frames.append(Frame("line", top_line, line_text(top_path, top_line), local_vars))

    def _add_return(self, value: str) -> None:
        last_line = next((f for f in reversed(self.frames) if f.event == "line"), None)
        line = last_line.line if last_line else 0
        source = last_line.source if last_line else ""
        self.frames.append(Frame("return", line, source, value=value))

    async def _locals(self, frame_id: int) -> tuple[dict[str, str], dict[str, str]]:
        """(locals, return values by function name) of a debugpy stack frame."""
        seen = await read_locals(self._debugpy.client, frame_id)
        if seen.reference is not None:
            self._locals_ref = seen.reference  # where set_variable writes
        return seen.values, seen.returns

    # -- editing ----------------------------------------------------------

    async def set_variable(self, name: str, value: str) -> str:
        """Set a local in the live real frame; returns debugpy's new value."""
        if self.ended or not self.frames:
            raise RealSessionError("the real program is not running")
        new_value = await set_local(self._debugpy.client, self._locals_ref, name, value)
        last = self.frames[-1]
        if last.event in ("call", "line"):
            self.frames[-1] = dataclasses.replace(last, locals={**last.locals, name: new_value})
        return new_value
