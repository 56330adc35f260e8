"""Lifecycle requests: initialize, breakpoints, launch, configurationDone, restart, the ending.

``launch`` answers at once and starts the session in a task: load the
model, open the imagined run, in compare mode start debugpy on the same
call, wait for ``configurationDone``, then stop on entry or run to the
first stop.  ``restart`` replaces the session (resampling one launched at
temperature 0); ``terminate`` ends it and ``disconnect`` ends everything.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from cwm_lsp.dap.framing import Message
from cwm_lsp.dap.handlers.movement import MovementRequests
from cwm_lsp.dap.imagined import ImaginedRun, on_model_thread
from cwm_lsp.dap.launch_config import LaunchConfig, LaunchError, parse_launch
from cwm_lsp.dap.real_session import RealSession, RealSessionError
from cwm_lsp.dap.session_state import (
    BadArguments,
    Handler,
    SessionState,
    normalise_path,
    request_arguments,
)

log = logging.getLogger(__name__)

#: Temperature of a restart that resamples a session launched at temperature 0.
RESAMPLE_TEMPERATURE = 0.7


def capabilities() -> dict[str, Any]:
    """The adapter's answer to ``initialize``."""
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


class LifecycleRequests:
    """Configures, starts, restarts and ends sessions."""

    def __init__(self, state: SessionState, movement: MovementRequests) -> None:
        self.state = state
        self.movement = movement

    def requests(self) -> dict[str, Handler]:
        return {
            "initialize": self._initialize,
            "launch": self._launch,
            "attach": self._attach,
            "setBreakpoints": self._set_breakpoints,
            "setExceptionBreakpoints": self._ok,
            "setFunctionBreakpoints": self._set_function_breakpoints,
            "configurationDone": self._configuration_done,
            "restart": self._restart,
            "terminate": self._terminate,
            "disconnect": self._disconnect,
        }

    # -- configuration ----------------------------------------------------

    async def _ok(self, request: Message) -> None:
        await self.state.connection.respond(request)

    async def _initialize(self, request: Message) -> None:
        await self.state.connection.respond(request, capabilities())
        await self.state.connection.event("initialized")

    async def _attach(self, request: Message) -> None:
        await self.state.connection.respond(
            request, error="cwm sessions are launched, not attached"
        )

    async def _set_breakpoints(self, request: Message) -> None:
        arguments = request_arguments(request)
        source = arguments.get("source")
        if not isinstance(source, dict):
            raise BadArguments("setBreakpoints needs 'source': an object with the file's 'path'")
        path = str(source.get("path", ""))
        lines: list[int] = []
        breakpoints = arguments.get("breakpoints")
        for breakpoint in breakpoints if isinstance(breakpoints, list) else []:
            if isinstance(breakpoint, dict) and isinstance(breakpoint.get("line"), int):
                lines.append(int(breakpoint["line"]))
        if not lines and isinstance(arguments.get("lines"), list):
            lines = [int(line) for line in arguments["lines"] if isinstance(line, int)]
        self.state.breakpoints[normalise_path(path)] = set(lines)
        await self.state.connection.respond(
            request,
            {"breakpoints": [{"verified": True, "line": line} for line in lines]},
        )

    async def _set_function_breakpoints(self, request: Message) -> None:
        await self.state.connection.respond(request, {"breakpoints": []})

    async def _configuration_done(self, request: Message) -> None:
        self.state.configured.set()
        await self.state.connection.respond(request)

    # -- launch / restart -------------------------------------------------

    async def _launch(self, request: Message) -> None:
        state = self.state
        try:
            config = parse_launch(request_arguments(request))
        except LaunchError as exc:
            await state.connection.respond(request, error=str(exc))
            return
        if state.start_task is not None or state.run is not None:
            await state.connection.respond(request, error="a session is already running")
            return
        state.config = config
        await state.connection.respond(request)
        state.start_task = state.spawn(self._start(config, config.temperature))

    async def _restart(self, request: Message) -> None:
        state = self.state
        arguments = request_arguments(request).get("arguments")
        config = state.config
        temperature = config.temperature if config else 0.0
        if isinstance(arguments, dict) and arguments:
            try:
                config = parse_launch(arguments)
            except LaunchError as exc:
                await state.connection.respond(request, error=str(exc))
                return
            temperature = config.temperature
        elif config is not None:
            temperature = config.temperature or RESAMPLE_TEMPERATURE
        if config is None:
            await state.connection.respond(request, error="nothing to restart: launch first")
            return
        async with state.lock:
            if state.start_task is not None and not state.start_task.done():
                state.start_task.cancel()
                with contextlib.suppress(BaseException):
                    await state.start_task
            await state.close_sessions()
            state.config = config
            state.ended = False
            state.diverged = False
        await state.connection.respond(request)
        state.start_task = state.spawn(self._start(config, temperature))

    async def _start(self, config: LaunchConfig, temperature: float) -> None:
        try:
            await self._start_session(config, temperature)
        except Exception as exc:
            log.exception("session start failed")
            await self.state.fail(f"the session could not start: {exc}")

    async def _start_session(self, config: LaunchConfig, temperature: float) -> None:
        state = self.state
        loop = asyncio.get_running_loop()
        shown = [-1]

        def progress(fraction: float, message: str) -> None:
            step = int(fraction * 10)
            if step != shown[0]:
                shown[0] = step
                text = f"loading model: {fraction:.0%} {message}".rstrip()
                loop.call_soon_threadsafe(lambda: state.spawn(state.output(text)))

        await state.output(f"cwm: {config.mode} {config.function} in {config.program}")
        try:
            model = await on_model_thread(
                state.executor, lambda: state.models(config.model, progress)
            )
        except Exception as exc:
            await state.fail(f"cannot load the model: {exc}")
            return
        await state.output(f"model ready: {model.info.path}")
        try:
            run = await ImaginedRun.open(
                state.executor,
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
            await state.fail(f"the model could not start imagining {config.function}: {exc}")
            return
        state.run = run
        state.pairs = {}
        if config.args is None:
            await state.output(f"the model invented the inputs: {config.function}({run.args})")
        else:
            await state.output(f"inputs: {config.function}({run.args})")
        if config.mode == "compare":
            await self._start_real(config, run.args)
        await state.configured.wait()
        async with state.lock:
            if config.stop_on_entry:
                await state.stop("entry")
            else:
                await self.movement.run_until_stop(forward=True)

    async def _start_real(self, config: LaunchConfig, args: str) -> None:
        state = self.state
        await state.output(f"starting the real program under debugpy: {config.function}({args})")
        real = RealSession(config, args, self._forward_output)
        state.real = real
        state.real_index = 0
        try:
            await real.start()
        except (RealSessionError, LaunchError, OSError) as exc:
            await state.output(f"compare mode: {exc}; only the imagined thread runs", "important")
            await real.close()
            state.real = None
            return
        assert state.run is not None
        state.pairs[state.run.index] = 0

    async def _forward_output(self, category: str, text: str) -> None:
        await self.state.connection.event("output", {"category": category, "output": text})

    # -- ending -----------------------------------------------------------

    async def _terminate(self, request: Message) -> None:
        await self.state.connection.respond(request)
        async with self.state.lock:
            await self.state.finish("session terminated", 0)

    async def _disconnect(self, request: Message) -> None:
        await self.state.shutdown()
        await self.state.connection.respond(request)
        self.state.finished.set()
