"""The debug adapter: DAP requests over imagined (and, in compare mode, real) execution.

Thread 1 "imagined" steps through what the model predicts; in compare mode
thread 2 "real" is debugpy running the same call, stepped in lockstep: every
imagined move makes the same kind of move on the recorded real frames (see
:mod:`cwm_lsp.dap.navigation`).  The first stop where the two differ (line or
values) is reported with ``description``/``text`` "diverged: …" and an
output event; ``continue`` stops there too.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from cwm_lsp.dap.connection import DapConnection
from cwm_lsp.dap.framing import Message
from cwm_lsp.dap.imagined import ImaginedRun, ModelExecutor, on_model_thread
from cwm_lsp.dap.launch_config import LaunchConfig, LaunchError, parse_launch
from cwm_lsp.dap.lockstep import Comparison, compare_stop
from cwm_lsp.dap.models import ModelSource
from cwm_lsp.dap.navigation import next_target, out_target, scope_indices, scope_name
from cwm_lsp.dap.real_session import RealSession, RealSessionError
from cwm_lsp.dap.variables import (
    confidences_at,
    imagined_variable,
    plain_variable,
    strip_confidence,
)
from cwm_lsp.trace import VALUE_KEY, EndReason, Frame, state_at

log = logging.getLogger(__name__)

IMAGINED = 1
REAL = 2
LOCALS = 1
MISMATCHES = 2
#: Temperature of a restart that resamples a session launched at temperature 0.
RESAMPLE_TEMPERATURE = 0.7

Handler = Callable[[Message], Awaitable[None]]


def frame_id(thread: int, level: int) -> int:
    return thread * 1000 + level


def variables_ref(thread: int, level: int, kind: int) -> int:
    return (thread * 1000 + level) * 10 + kind


def decode_ref(ref: int) -> tuple[int, int, int]:
    """(thread, level, kind) of a variablesReference."""
    frame, kind = divmod(ref, 10)
    thread, level = divmod(frame, 1000)
    return thread, level, kind


def capabilities() -> dict[str, Any]:
    return {
        "supportsConfigurationDoneRequest": True,
        "supportsStepBack": True,
        "supportsSetVariable": True,
        "supportsRestartRequest": True,
        "supportsExceptionInfoRequest": True,
        "supportsTerminateRequest": True,
        "supportsEvaluateForHovers": True,
        "exceptionBreakpointFilters": [],
    }


class DebugAdapter:
    """One client connection; sessions run one after another (``restart``)."""

    def __init__(
        self, connection: DapConnection, executor: ModelExecutor, models: ModelSource
    ) -> None:
        self.connection = connection
        self.executor = executor
        self.models = models
        self.config: LaunchConfig | None = None
        self.run: ImaginedRun | None = None
        self.real: RealSession | None = None
        self.real_index = 0
        self._pairs: dict[int, int] = {}
        self._breakpoints: dict[str, set[int]] = {}
        self._configured = asyncio.Event()
        self._lock = asyncio.Lock()
        self._pause = False
        self._ended = False
        self._diverged = False
        self._tasks: set[asyncio.Task[None]] = set()
        self._start_task: asyncio.Task[None] | None = None
        self.finished = asyncio.Event()
        self._handlers: dict[str, Handler] = {
            "initialize": self._initialize,
            "launch": self._launch,
            "attach": self._attach,
            "setBreakpoints": self._set_breakpoints,
            "setExceptionBreakpoints": self._ok,
            "setFunctionBreakpoints": self._set_function_breakpoints,
            "configurationDone": self._configuration_done,
            "threads": self._threads,
            "stackTrace": self._stack_trace,
            "scopes": self._scopes,
            "variables": self._variables,
            "setVariable": self._set_variable,
            "evaluate": self._evaluate,
            "exceptionInfo": self._exception_info,
            "continue": self._movement("continue"),
            "next": self._movement("next"),
            "stepIn": self._movement("step"),
            "stepOut": self._movement("out"),
            "stepBack": self._movement("back"),
            "reverseContinue": self._movement("reverse"),
            "pause": self._pause_request,
            "restart": self._restart,
            "terminate": self._terminate,
            "disconnect": self._disconnect,
        }

    # -- plumbing ---------------------------------------------------------

    async def handle(self, request: Message) -> None:
        """Answer one request (errors become failed responses, never exceptions)."""
        command = str(request.get("command", ""))
        handler = self._handlers.get(command)
        if handler is None:
            await self.connection.respond(request, error=f"unsupported request {command!r}")
            return
        try:
            await handler(request)
        except Exception as exc:
            log.exception("request %s failed", command)
            await self.connection.respond(request, error=f"{command} failed: {exc}")

    def _spawn(self, coroutine: Awaitable[None]) -> asyncio.Task[None]:
        task: asyncio.Task[None] = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _output(self, text: str, category: str = "console") -> None:
        await self.connection.output(text, category)

    async def _ok(self, request: Message) -> None:
        await self.connection.respond(request)

    @staticmethod
    def _arguments(request: Message) -> dict[str, Any]:
        arguments = request.get("arguments")
        return arguments if isinstance(arguments, dict) else {}

    # -- configuration ----------------------------------------------------

    async def _initialize(self, request: Message) -> None:
        await self.connection.respond(request, capabilities())
        await self.connection.event("initialized")

    async def _attach(self, request: Message) -> None:
        await self.connection.respond(request, error="cwm sessions are launched, not attached")

    async def _set_breakpoints(self, request: Message) -> None:
        arguments = self._arguments(request)
        path = str((arguments.get("source") or {}).get("path", ""))
        lines: list[int] = []
        for breakpoint in arguments.get("breakpoints") or []:
            if isinstance(breakpoint, dict) and isinstance(breakpoint.get("line"), int):
                lines.append(int(breakpoint["line"]))
        if not lines and isinstance(arguments.get("lines"), list):
            lines = [int(line) for line in arguments["lines"] if isinstance(line, int)]
        self._breakpoints[_normalise(path)] = set(lines)
        await self.connection.respond(
            request,
            {"breakpoints": [{"verified": True, "line": line} for line in lines]},
        )

    async def _set_function_breakpoints(self, request: Message) -> None:
        await self.connection.respond(request, {"breakpoints": []})

    async def _configuration_done(self, request: Message) -> None:
        self._configured.set()
        await self.connection.respond(request)

    def _breakpoint_lines(self) -> set[int]:
        if self.config is None:
            return set()
        return self._breakpoints.get(_normalise(str(self.config.program)), set())

    # -- launch / restart -------------------------------------------------

    async def _launch(self, request: Message) -> None:
        try:
            config = parse_launch(self._arguments(request))
        except LaunchError as exc:
            await self.connection.respond(request, error=str(exc))
            return
        if self._start_task is not None or self.run is not None:
            await self.connection.respond(request, error="a session is already running")
            return
        self.config = config
        await self.connection.respond(request)
        self._start_task = self._spawn(self._start(config, config.temperature))

    async def _restart(self, request: Message) -> None:
        arguments = self._arguments(request).get("arguments")
        config = self.config
        temperature = config.temperature if config else 0.0
        if isinstance(arguments, dict) and arguments:
            try:
                config = parse_launch(arguments)
            except LaunchError as exc:
                await self.connection.respond(request, error=str(exc))
                return
            temperature = config.temperature
        elif config is not None:
            temperature = config.temperature or RESAMPLE_TEMPERATURE
        if config is None:
            await self.connection.respond(request, error="nothing to restart: launch first")
            return
        async with self._lock:
            if self._start_task is not None and not self._start_task.done():
                self._start_task.cancel()
                with contextlib.suppress(BaseException):
                    await self._start_task
            await self._close_sessions()
            self.config = config
            self._ended = False
            self._diverged = False
        await self.connection.respond(request)
        self._start_task = self._spawn(self._start(config, temperature))

    async def _start(self, config: LaunchConfig, temperature: float) -> None:
        try:
            await self._start_session(config, temperature)
        except Exception as exc:
            log.exception("session start failed")
            await self._fail(f"the session could not start: {exc}")

    async def _start_session(self, config: LaunchConfig, temperature: float) -> None:
        loop = asyncio.get_running_loop()
        shown = [-1]

        def progress(fraction: float, message: str) -> None:
            step = int(fraction * 10)
            if step != shown[0]:
                shown[0] = step
                text = f"loading model: {fraction:.0%} {message}".rstrip()
                loop.call_soon_threadsafe(lambda: self._spawn(self._output(text)))

        await self._output(f"cwm: {config.mode} {config.function} in {config.program}")
        try:
            model = await on_model_thread(
                self.executor, lambda: self.models(config.model, progress)
            )
        except Exception as exc:
            await self._fail(f"cannot load the model: {exc}")
            return
        await self._output(f"model ready: {model.info.path}")
        try:
            run = await ImaginedRun.open(
                self.executor,
                model,
                source=config.source,
                function=config.function,
                args=config.args,
                filename=str(config.program),
                temperature=temperature,
                max_frames=config.max_frames,
            )
        except Exception as exc:
            log.exception("session start failed")
            await self._fail(f"the model could not start imagining {config.function}: {exc}")
            return
        self.run = run
        self._pairs = {}
        if config.args is None:
            await self._output(f"the model invented the inputs: {config.function}({run.args})")
        else:
            await self._output(f"inputs: {config.function}({run.args})")
        if config.mode == "compare":
            await self._start_real(config, run.args)
        await self._configured.wait()
        async with self._lock:
            if config.stop_on_entry:
                await self._stop("entry")
            else:
                await self._continue(forward=True)

    async def _start_real(self, config: LaunchConfig, args: str) -> None:
        await self._output(f"starting the real program under debugpy: {config.function}({args})")
        real = RealSession(config, args, self._forward_output)
        self.real = real
        self.real_index = 0
        try:
            await real.start()
        except (RealSessionError, LaunchError, OSError) as exc:
            await self._output(f"compare mode: {exc}; only the imagined thread runs", "important")
            await real.close()
            self.real = None
            return
        assert self.run is not None
        self._pairs[self.run.index] = 0

    async def _forward_output(self, category: str, text: str) -> None:
        await self.connection.event("output", {"category": category, "output": text})

    # -- movement ---------------------------------------------------------

    def _movement(self, kind: str) -> Handler:
        async def handler(request: Message) -> None:
            if self.run is None or self._ended:
                await self.connection.respond(request, error="no session is stopped")
                return
            body = {"allThreadsContinued": True} if kind == "continue" else None
            await self.connection.respond(request, body)
            self._pause = False
            self._spawn(self._move(kind))

        return handler

    async def _pause_request(self, request: Message) -> None:
        self._pause = True
        await self.connection.respond(request)

    async def _move(self, kind: str) -> None:
        async with self._lock:
            if self.run is None or self._ended:
                return
            try:
                if kind == "continue":
                    await self._continue(forward=True)
                elif kind == "reverse":
                    await self._continue(forward=False)
                elif kind == "back":
                    await self._back_one()
                    await self._stop("step")
                else:
                    if self.run.at_end:
                        await self._end_of_trace()
                        return
                    before = self.run.index
                    frame = await self._imagined_move(kind)
                    if self.run.index == before and self.run.at_end:
                        await self._end_of_trace()  # the model ended the trace here
                        return
                    await self._real_move(kind)
                    await self._stop("exception" if frame.event == "exception" else "step")
            except Exception as exc:
                log.exception("%s failed", kind)
                await self._fail(f"the session failed while stepping ({kind}): {exc}")

    async def _imagined_move(self, kind: str) -> Frame:
        assert self.run is not None
        if kind == "next":
            return await self.run.next()
        if kind == "out":
            return await self.run.out()
        return await self.run.step()

    async def _real_move(self, kind: str) -> None:
        real = self.real
        if real is None:
            return
        while True:
            target: int | None
            if self.real_index >= len(real.frames):
                target = None
            elif kind == "next":
                target = next_target(real.frames, self.real_index)
            elif kind == "out":
                target = out_target(real.frames, self.real_index)
            else:
                target = self.real_index + 1 if self.real_index + 1 < len(real.frames) else None
            if target is not None:
                self.real_index = target
                break
            if not await real.advance():
                self.real_index = len(real.frames)
                break
        assert self.run is not None
        self._pairs[self.run.index] = self.real_index

    async def _back_one(self) -> None:
        assert self.run is not None
        if self.run.index > 0:
            await self.run.back()
        if self.real is not None:
            known = [i for i in self._pairs if i <= self.run.index]
            self.real_index = self._pairs[max(known)] if known else 0

    async def _continue(self, forward: bool) -> None:
        """Move frame by frame until a breakpoint, exception, divergence, pause or the end."""
        run = self.run
        assert run is not None
        breakpoints = self._breakpoint_lines()
        while True:
            if self._pause:
                self._pause = False
                await self._stop("pause")
                return
            if forward:
                if run.at_end:
                    await self._end_of_trace()
                    return
                frame = await run.step()
                await self._real_move("step")
            else:
                if run.index == 0:
                    await self._stop("entry")
                    return
                await self._back_one()
                frame = run.current
            if frame.event == "exception" and forward:
                await self._stop("exception")
                return
            if frame.line in breakpoints and frame.event in ("line", "call"):
                await self._stop("breakpoint")
                return
            if (
                forward
                and self.real is not None
                and self._comparison().diverged
                and not self._diverged
            ):
                await self._stop("step")
                return

    async def _stop(self, reason: str) -> None:
        body: dict[str, Any] = {"reason": reason, "threadId": IMAGINED, "allThreadsStopped": True}
        if self.real is not None:
            comparison = self._comparison()
            if comparison.diverged and not self._diverged:
                text = "diverged: " + comparison.describe()
                body["description"] = text
                body["text"] = text
                await self._output(text, "important")
            self._diverged = comparison.diverged
        elif reason == "exception" and self.run is not None:
            body["text"] = self.run.current.value or "exception"
        await self.connection.event("stopped", body)

    async def _end_of_trace(self) -> None:
        assert self.run is not None
        trace = self.run.trace
        if trace.reason is EndReason.RETURNED:
            message = f"imagined run returned {trace.return_value}"
        elif trace.reason is EndReason.RAISED:
            exception = trace.exception
            message = f"imagined run raised {exception.value if exception else trace.error}"
        elif trace.reason is EndReason.FRAME_CAP:
            message = (
                f"imagined run reached maxFrames ({len(trace.frames)} frames): it may not terminate"
            )
        else:
            message = f"imagined run ended ({trace.reason}): {trace.error}"
        if self.real is not None and self.real.ended:
            message += f"; real run: {self.real.end_message}"
        await self._finish(message, 0 if trace.reason is EndReason.RETURNED else 1)

    async def _finish(self, message: str, exit_code: int, category: str = "console") -> None:
        if self._ended:
            return
        self._ended = True
        await self._output(message, category)
        await self._close_real()
        await self.connection.event("exited", {"exitCode": exit_code})
        await self.connection.event("terminated")

    async def _fail(self, message: str) -> None:
        await self._finish(message, 1, "stderr")

    # -- inspection -------------------------------------------------------

    def _comparison(self) -> Comparison:
        assert self.run is not None
        frames = self.run.frames
        index = self.run.index
        real_frame, real_state = None, {}
        real = self.real
        if real is not None and self.real_index < len(real.frames):
            real_frame = real.frames[self.real_index]
            real_state = dict(state_at(real.frames, self.real_index))
        return compare_stop(frames[index], state_at(frames, index), real_frame, real_state)

    def _world(self, thread: int) -> tuple[list[Frame], int] | None:
        if thread == IMAGINED and self.run is not None and self.run.frames:
            return self.run.frames, self.run.index
        if thread == REAL and self.real is not None and self.real_index < len(self.real.frames):
            return self.real.frames, self.real_index
        return None

    async def _threads(self, request: Message) -> None:
        threads = [{"id": IMAGINED, "name": "imagined"}]
        if self.config is not None and self.config.mode == "compare":
            threads.append({"id": REAL, "name": "real"})
        await self.connection.respond(request, {"threads": threads})

    async def _stack_trace(self, request: Message) -> None:
        thread = int(self._arguments(request).get("threadId", IMAGINED))
        world = self._world(thread)
        if world is None or self.config is None:
            await self.connection.respond(request, {"stackFrames": [], "totalFrames": 0})
            return
        frames, index = world
        source = {"name": self.config.program.name, "path": str(self.config.program)}
        stack = []
        for level, j in enumerate(scope_indices(frames, index)):
            name = scope_name(frames, j, self.config.function)
            if thread == REAL:
                name = f"{name} (real)"
            stack.append(
                {
                    "id": frame_id(thread, level),
                    "name": name,
                    "source": source,
                    "line": max(frames[j].line, 1),
                    "column": 1,
                }
            )
        await self.connection.respond(request, {"stackFrames": stack, "totalFrames": len(stack)})

    async def _scopes(self, request: Message) -> None:
        thread, level = divmod(int(self._arguments(request).get("frameId", 0)), 1000)
        scopes = [
            {
                "name": "Locals",
                "presentationHint": "locals",
                "variablesReference": variables_ref(thread, level, LOCALS),
                "expensive": False,
            }
        ]
        if self.real is not None and level == 0:
            scopes.append(
                {
                    "name": "Mismatches",
                    "variablesReference": variables_ref(thread, level, MISMATCHES),
                    "expensive": False,
                }
            )
        await self.connection.respond(request, {"scopes": scopes})

    def _variables_of(self, ref: int) -> list[dict[str, Any]]:
        thread, level, kind = decode_ref(ref)
        if kind == MISMATCHES:
            if self.run is None:
                return []
            return [
                plain_variable(m.name, f"imagined {m.imagined} | real {m.real}", "mismatch")
                for m in self._comparison().mismatches
            ]
        world = self._world(thread)
        if world is None:
            return []
        frames, index = world
        levels = scope_indices(frames, index)
        if level >= len(levels):
            return []
        j = levels[level]
        state = state_at(frames, j)
        frame = frames[j]
        result: list[dict[str, Any]] = []
        if thread == IMAGINED:
            confidence = confidences_at(frames, j, state)
            result = [imagined_variable(n, v, confidence.get(n)) for n, v in state.items()]
            if frame.event in ("return", "exception") and frame.value is not None:
                label = "(return)" if frame.event == "return" else "(exception)"
                result.append(imagined_variable(label, frame.value, confidence.get(VALUE_KEY)))
        else:
            result = [plain_variable(n, v, "real") for n, v in state.items()]
            if frame.event in ("return", "exception") and frame.value is not None:
                label = "(return)" if frame.event == "return" else "(exception)"
                result.append(plain_variable(label, frame.value, "real"))
        return result

    async def _variables(self, request: Message) -> None:
        ref = int(self._arguments(request).get("variablesReference", 0))
        await self.connection.respond(request, {"variables": self._variables_of(ref)})

    async def _set_variable(self, request: Message) -> None:
        arguments = self._arguments(request)
        thread, level, _kind = decode_ref(int(arguments.get("variablesReference", 0)))
        name = str(arguments.get("name", ""))
        value = strip_confidence(str(arguments.get("value", "")))
        if name in ("(return)", "(exception)"):
            name = VALUE_KEY
        if self.run is None or self._ended:
            await self.connection.respond(request, error="no session is stopped")
            return
        if level != 0:
            await self.connection.respond(
                request, error="only the innermost frame's locals can be set"
            )
            return
        try:
            ast.parse(value, mode="eval")
        except SyntaxError:
            await self.connection.respond(request, error=f"not a Python value: {value!r}")
            return
        async with self._lock:
            notes: list[str] = []
            real_value = None
            real = self.real
            if real is not None and name == VALUE_KEY:
                notes.append(
                    "real value not set: a return value cannot be changed in the real program"
                )
            elif real is not None:
                if self.real_index == len(real.frames) - 1 and not real.ended:
                    try:
                        real_value = await real.set_variable(name, value)
                    except RealSessionError as exc:
                        notes.append(f"real value not set: {exc}")
                else:
                    notes.append(
                        "real value not set: the real program is not at this step (it cannot go back)"
                    )
            try:
                frame = await self.run.edit(name, value)
            except Exception as exc:
                log.exception("edit failed")
                await self.connection.respond(
                    request, error=f"the model could not take the edit: {exc}"
                )
                return
            if real is not None:
                self._pairs[self.run.index] = self.real_index
                self._diverged = self._comparison().diverged
        for note in notes:
            await self._output(note, "important")
        shown = (
            real_value
            if thread == REAL and real_value is not None
            else state_at(self.run.frames, self.run.index).get(name, frame.locals.get(name, value))
        )
        await self.connection.respond(request, {"value": shown, "variablesReference": 0})
        await self.connection.event("invalidated", {"areas": ["variables"]})

    async def _evaluate(self, request: Message) -> None:
        expression = str(self._arguments(request).get("expression", "")).strip()
        world = self._world(IMAGINED)
        if world is None:
            await self.connection.respond(request, error="no session is stopped")
            return
        state = state_at(*world)
        if expression in state:
            await self.connection.respond(
                request, {"result": state[expression], "variablesReference": 0}
            )
        else:
            await self.connection.respond(
                request, error="imagined execution: only the names of locals can be evaluated"
            )

    async def _exception_info(self, request: Message) -> None:
        world = self._world(int(self._arguments(request).get("threadId", IMAGINED)))
        if world is None or world[0][world[1]].event != "exception":
            await self.connection.respond(request, error="not stopped on an exception")
            return
        value = world[0][world[1]].value or "Exception"
        await self.connection.respond(
            request,
            {"exceptionId": value.split("(", 1)[0], "description": value, "breakMode": "always"},
        )

    # -- ending -----------------------------------------------------------

    async def _terminate(self, request: Message) -> None:
        await self.connection.respond(request)
        async with self._lock:
            await self._finish("session terminated", 0)

    async def _disconnect(self, request: Message) -> None:
        await self.shutdown()
        await self.connection.respond(request)
        self.finished.set()

    async def _close_real(self) -> None:
        real, self.real = self.real, None
        if real is not None:
            await real.close()

    async def _close_sessions(self) -> None:
        await self._close_real()
        run, self.run = self.run, None
        if run is not None:
            with contextlib.suppress(Exception):
                await run.close()
        self._pairs = {}
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
        await self._close_sessions()


def _normalise(path: str) -> str:
    import os

    return os.path.normcase(os.path.realpath(path)) if path else ""
