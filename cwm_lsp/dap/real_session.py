"""The real side of a compare session: debugpy runs the function, we record its stops as Frames.

Our adapter is debugpy's DAP client (``python -m debugpy.adapter`` on
stdio).  Every real step is a debugpy ``stepIn``; each stop becomes a Frame
with sys.settrace's meaning: entering a function adds a ``call`` frame (at
its ``def`` line, locals = the arguments) before the first ``line`` frame;
coming back to the caller adds a ``return`` frame whose value is debugpy's
``(return) name`` variable (no line frame: the caller resumes mid-line); a
stop on a raised exception adds an ``exception`` frame.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import dataclasses
import logging
import os
import shutil
import sys
from collections.abc import Awaitable, Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from cwm_lsp.dap.client import DapClient, DapClosedError, DapRequestError
from cwm_lsp.dap.framing import Message
from cwm_lsp.dap.launch_config import LaunchConfig, call_arguments_source
from cwm_lsp.dap.launcher import CALL_LINE, write_launcher
from cwm_lsp.dap.processes import ProcessId, descendants, identify, kill
from cwm_lsp.trace import EndReason, Frame

log = logging.getLogger(__name__)

OutputSink = Callable[[str, str], Awaitable[None]]  # (category, text)

RETURN_PREFIX = "(return) "


class RealSessionError(Exception):
    """The real program could not be started or stepped."""


@lru_cache(maxsize=32)
def _file_lines(path: str) -> tuple[str, ...]:
    try:
        return tuple(Path(path).read_text(encoding="utf-8").splitlines())
    except (OSError, UnicodeDecodeError):
        return ()


def _line_text(path: str, line: int) -> str:
    lines = _file_lines(path)
    return lines[line - 1].strip() if 0 < line <= len(lines) else ""


@lru_cache(maxsize=32)
def _functions(path: str) -> tuple[tuple[str, int, int, int], ...]:
    """(name, first line incl. decorators, body start, end line) of each function in a file."""
    try:
        tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return ()
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            first = min([node.lineno] + [d.lineno for d in node.decorator_list])
            found.append((node.name, first, node.lineno, node.end_lineno or node.lineno))
    return tuple(found)


def def_line(path: str, name: str, line: int) -> int:
    """The line sys.settrace reports for the call of function ``name`` now at ``line``."""
    best: tuple[int, int] | None = None
    for fname, first, start, end in _functions(path):
        if fname == name and start <= line <= end and (best is None or first > best[0]):
            best = (first, end)
    return best[0] if best else line


def _same_file(a: str, b: str) -> bool:
    return os.path.normcase(os.path.realpath(a)) == os.path.normcase(os.path.realpath(b))


class RealSession:
    """debugpy running ``function(args)``; ``frames`` grows as :meth:`advance` steps it."""

    def __init__(self, config: LaunchConfig, args: str, on_output: OutputSink) -> None:
        self.config = config
        self.args = args
        self.frames: list[Frame] = []
        self.ended = False
        self.reason: EndReason | None = None
        self.end_message = ""
        self._on_output = on_output
        self._process: asyncio.subprocess.Process | None = None
        self._client: DapClient | None = None
        self._stops: asyncio.Queue[Message] = asyncio.Queue()
        self._terminated = asyncio.Event()
        self._exit_code: int | None = None
        self._thread_id = 0
        self._depth = -1  # depth of the last recorded frame's scope; -1 before the call
        self._callees: list[str] = []  # function name per depth
        self._locals_ref = 0
        self._known: list[ProcessId] = []
        self._launcher: Path | None = None
        self._stderr_task: asyncio.Task[None] | None = None
        self._initialized: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    # -- life cycle -------------------------------------------------------

    async def start(self) -> None:
        """Start debugpy, run to the call and step into the function (first frames recorded)."""
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
        try:
            await self._launch(client)
        except (DapRequestError, DapClosedError, TimeoutError, asyncio.TimeoutError) as exc:
            raise RealSessionError(f"debugpy could not start the program: {exc}") from exc

    async def _launch(self, client: DapClient) -> None:
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
        stop = await self._next_stop(timeout=max(30.0, self.config.real_step_timeout))
        if stop is None:
            raise RealSessionError(
                "the program ended before the function was called: " + self._ending_text()
            )
        self._thread_id = int(stop.get("threadId", 1))
        await client.request("setExceptionBreakpoints", {"filters": ["raised"]})
        await self.advance()

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

    async def _next_stop(self, timeout: float) -> dict[str, Any] | None:
        """The next stopped event's body, or None when the program ended."""
        assert self._client is not None
        stop_task = asyncio.create_task(self._stops.get())
        end_task = asyncio.create_task(self._terminated.wait())
        closed_task = asyncio.create_task(self._client.closed.wait())
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

    def _ending_text(self) -> str:
        if self._exit_code is not None:
            return f"exit code {self._exit_code}"
        return "debugpy ended"

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
        client = self._client
        assert client is not None
        before = len(self.frames)
        while len(self.frames) == before and not self.ended:
            try:
                await client.request("stepIn", {"threadId": self._thread_id})
                stop = await self._next_stop(self.config.real_step_timeout)
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
                "the real program ended before the function returned (" + self._ending_text() + ")",
            )

    async def _record(self, stop: dict[str, Any]) -> None:
        client = self._client
        assert client is not None
        self._thread_id = int(stop.get("threadId", self._thread_id))
        stack = (await client.request("stackTrace", {"threadId": self._thread_id}))["stackFrames"]
        target = None
        for position, frame in enumerate(stack):
            path = (frame.get("source") or {}).get("path", "")
            if (
                frame.get("name") == self.config.function
                and path
                and _same_file(path, str(self.config.program))
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
            value = await self._exception_value()
            self.frames.append(
                Frame("exception", top_line, _line_text(top_path, top_line), value=value)
            )
            return
        if depth > self._depth:
            name = str(top.get("name", ""))
            self._callees = [*self._callees[: self._depth + 1], name]
            self._depth = depth
            call_line = def_line(top_path, name, top_line)
            self.frames.append(
                Frame("call", call_line, _line_text(top_path, call_line), local_vars)
            )
        elif depth < self._depth:
            name = self._callees[self._depth] if self._depth < len(self._callees) else ""
            self._add_return(returns.get(name, "None"))
            self._depth = depth
            return  # the caller resumes mid-line: no new line event
        self.frames.append(Frame("line", top_line, _line_text(top_path, top_line), local_vars))

    def _add_return(self, value: str) -> None:
        last_line = next((f for f in reversed(self.frames) if f.event == "line"), None)
        line = last_line.line if last_line else 0
        source = last_line.source if last_line else ""
        self.frames.append(Frame("return", line, source, value=value))

    async def _locals(self, frame_id: int) -> tuple[dict[str, str], dict[str, str]]:
        """(locals, return values by function name) of a debugpy stack frame."""
        client = self._client
        assert client is not None
        scopes = (await client.request("scopes", {"frameId": frame_id}))["scopes"]
        if not scopes:
            return {}, {}
        self._locals_ref = int(scopes[0]["variablesReference"])
        variables = (await client.request("variables", {"variablesReference": self._locals_ref}))[
            "variables"
        ]
        values: dict[str, str] = {}
        returns: dict[str, str] = {}
        for variable in variables:
            name = str(variable.get("name", ""))
            if name.startswith(RETURN_PREFIX):
                returns[name[len(RETURN_PREFIX) :]] = str(variable.get("value", ""))
            elif not name.startswith("_cwm_"):
                values[name] = str(variable.get("value", ""))
        return values, returns

    async def _exception_value(self) -> str:
        client = self._client
        assert client is not None
        try:
            info = await client.request("exceptionInfo", {"threadId": self._thread_id})
        except DapRequestError:
            return "Exception()"
        kind = str(info.get("exceptionId", "Exception")).rsplit(".", 1)[-1]
        description = str(info.get("description", ""))
        return f"{kind}({description!r})" if description else f"{kind}()"

    async def set_variable(self, name: str, value: str) -> str:
        """Set a local in the live real frame; returns debugpy's new value."""
        if self.ended or not self.frames:
            raise RealSessionError("the real program is not running")
        client = self._client
        assert client is not None
        try:
            body = await client.request(
                "setVariable",
                {"variablesReference": self._locals_ref, "name": name, "value": value},
            )
        except (DapRequestError, DapClosedError, TimeoutError, asyncio.TimeoutError) as exc:
            raise RealSessionError(str(exc)) from exc
        new_value = str(body.get("value", value))
        last = self.frames[-1]
        if last.event in ("call", "line"):
            self.frames[-1] = dataclasses.replace(last, locals={**last.locals, name: new_value})
        return new_value
