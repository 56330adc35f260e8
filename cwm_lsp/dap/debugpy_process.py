"""debugpy as a child process: start it, launch the call under it, take its events, end it all.

We are debugpy's DAP client (``python -m debugpy.adapter`` on stdio).
:class:`DebugpyProcess` writes the launcher, runs the program to the
launcher's call line, queues ``stopped`` events, forwards the program's
output and, on :meth:`~DebugpyProcess.close`, ends debugpy, the debuggee
and every process they started.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from cwm_lsp.dap.client import DapClient
from cwm_lsp.dap.framing import Message
from cwm_lsp.dap.launch_config import LaunchConfig, call_arguments_source
from cwm_lsp.dap.launcher import CALL_LINE, write_launcher
from cwm_lsp.dap.processes import ProcessId, descendants, identify, kill

log = logging.getLogger(__name__)

OutputSink = Callable[[str, str], Awaitable[None]]  # (category, text)


class RealSessionError(Exception):
    """The real program could not be started or stepped."""


class DebugpyProcess:
    """One debugpy adapter process running ``function(args)`` through the launcher."""

    def __init__(self, config: LaunchConfig, args: str, on_output: OutputSink) -> None:
        self.config = config
        self.args = args
        self._on_output = on_output
        self._process: asyncio.subprocess.Process | None = None
        self._client: DapClient | None = None
        self._stops: asyncio.Queue[Message] = asyncio.Queue()
        self._terminated = asyncio.Event()
        self._exit_code: int | None = None
        self._known: list[ProcessId] = []
        self._launcher: Path | None = None
        self._stderr_task: asyncio.Task[None] | None = None
        self._initialized: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    @property
    def client(self) -> DapClient:
        """The DAP client talking to debugpy (once :meth:`start` has run)."""
        assert self._client is not None
        return self._client

    # -- starting ---------------------------------------------------------

    async def start(self) -> None:
        """Write the launcher and start debugpy with our DAP client on its stdio."""
        self._launcher = write_launcher(
            self.config.program,
            self.config.function,
            call_arguments_source(self.args, self.config.function),
        )
        python = self.config.python or sys.executable
        try:
            self._process = await asyncio.create_subprocess_exec(
                python,
                "-m",
                "debugpy.adapter",
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
        except OSError as exc:
            raise RealSessionError(f"cannot start debugpy with {python}: {exc}") from exc
        assert self._process.stdin and self._process.stdout and self._process.stderr
        self._remember(self._process.pid)
        self._stderr_task = asyncio.create_task(self._drain_stderr(self._process.stderr))
        reader = self._process.stdout
        writer = self._process.stdin
        client = DapClient(reader, writer, self._on_event)
        self._client = client
        client.start()

    async def run_to_call(self) -> int:
        """Launch the program and stop on the launcher's call line; returns the thread id.

        Stops on raised exceptions are armed from then on.
        """
        client = self.client
        assert self._launcher is not None
        await client.request(
            "initialize",
            {
                "clientID": "cwm-lsp",
                "adapterID": "debugpy",
                "linesStartAt1": True,
                "columnsStartAt1": True,
                "pathFormat": "path",
                "supportsVariableType": True,
            },
            timeout=30,
        )
        launch = client.send_request(
            "launch",
            {
                "name": "cwm compare",
                "type": "python",
                "request": "launch",
                "program": str(self._launcher),
                "cwd": str(self.config.program.parent),
                "console": "internalConsole",
                "justMyCode": True,
                "showReturnValue": True,
                "redirectOutput": True,
                "variablePresentation": {"special": "hide", "function": "hide", "class": "hide"},
            },
        )
        # debugpy sends `initialized` after `launch`, and answers `launch`
        # only after `configurationDone`.
        await asyncio.wait_for(self._wait_initialized(launch), 30)
        await client.request(
            "setBreakpoints",
            {"source": {"path": str(self._launcher)}, "breakpoints": [{"line": CALL_LINE}]},
        )
        await client.request("setExceptionBreakpoints", {"filters": []})
        await client.request("configurationDone")
        response = await asyncio.wait_for(launch, 30)
        if not response.get("success"):
            raise RealSessionError(f"debugpy launch failed: {response.get('message')}")
        stop = await self.next_stop(timeout=max(30.0, self.config.real_step_timeout))
        if stop is None:
            raise RealSessionError(
                "the program ended before the function was called: " + self.ending_text()
            )
        thread_id = int(stop.get("threadId", 1))
        await client.request("setExceptionBreakpoints", {"filters": ["raised"]})
        return thread_id

    async def _wait_initialized(self, launch: asyncio.Future[Message]) -> None:
        waiting: list[asyncio.Future[Any]] = [self._initialized, launch]
        done, _ = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
        if launch in done and not self._initialized.done():
            response = launch.result()
            raise RealSessionError(f"debugpy launch failed: {response.get('message')}")

    def _remember(self, pid: int) -> None:
        process = identify(pid)
        if process is not None and process not in self._known:
            self._known.append(process)

    async def _drain_stderr(self, stream: asyncio.StreamReader) -> None:
        with contextlib.suppress(Exception):
            while line := await stream.readline():
                log.debug("debugpy: %s", line.decode(errors="replace").rstrip())

    # -- events -----------------------------------------------------------

    async def _on_event(self, message: Message) -> None:
        name = message.get("event")
        body = message.get("body") or {}
        if name == "initialized":
            if not self._initialized.done():
                self._initialized.set_result(None)
        elif name == "stopped":
            await self._stops.put(body)
        elif name == "output":
            category = body.get("category", "console")
            if category in ("stdout", "stderr"):
                await self._on_output(category, str(body.get("output", "")))
        elif name == "process":
            pid = body.get("systemProcessId")
            if isinstance(pid, int):
                self._remember(pid)
        elif name == "exited":
            self._exit_code = body.get("exitCode")
        elif name == "terminated":
            self._terminated.set()

    async def next_stop(self, timeout: float) -> dict[str, Any] | None:
        """The next stopped event's body, or None when the program ended."""
        client = self.client
        stop_task = asyncio.create_task(self._stops.get())
        end_task = asyncio.create_task(self._terminated.wait())
        closed_task = asyncio.create_task(client.closed.wait())
        try:
            done, _ = await asyncio.wait(
                [stop_task, end_task, closed_task],
                timeout=timeout,
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            for task in (end_task, closed_task):
                task.cancel()
        if stop_task in done:
            return stop_task.result()
        stop_task.cancel()
        if not done:
            raise TimeoutError
        return None

    def ending_text(self) -> str:
        """How debugpy ended: the exit code when it sent one."""
        if self._exit_code is not None:
            return f"exit code {self._exit_code}"
        return "debugpy ended"

    # -- ending -----------------------------------------------------------

    async def close(self) -> None:
        """End the debuggee, debugpy and every process they started."""
        if self._process is not None:
            for process in descendants(self._process.pid):
                self._remember(process[0])
        client = self._client
        if client is not None and not client.closed.is_set():
            with contextlib.suppress(Exception):
                await client.request("disconnect", {"terminateDebuggee": True}, timeout=3)
        if client is not None:
            await client.close()
        if self._process is not None:
            with contextlib.suppress(TimeoutError, asyncio.TimeoutError):
                await asyncio.wait_for(self._process.wait(), 3)
        kill(self._known)
        if self._process is not None:
            with contextlib.suppress(ProcessLookupError):
                self._process.kill()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._process.wait(), 3)
        if self._stderr_task is not None:
            self._stderr_task.cancel()
        if self._launcher is not None:
            shutil.rmtree(self._launcher.parent, ignore_errors=True)
            self._launcher = None
