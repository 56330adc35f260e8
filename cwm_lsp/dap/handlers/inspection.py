"""Inspection requests: threads, stackTrace, scopes, variables, evaluate, exceptionInfo.

Thread 1 shows the imagined frames (values with the model's confidence),
thread 2 the recorded real ones; in compare mode the innermost frame also
has a "Mismatches" scope listing where the two differ.
"""

from __future__ import annotations

from typing import Any

from cwm_lsp.dap.framing import Message
from cwm_lsp.dap.navigation import scope_indices, scope_name
from cwm_lsp.dap.references import (
    IMAGINED,
    LOCALS,
    MISMATCHES,
    REAL,
    decode_frame_id,
    decode_ref,
    frame_id,
    variables_ref,
)
from cwm_lsp.dap.session_state import Handler, SessionState, int_argument, request_arguments
from cwm_lsp.dap.variables import confidences_at, imagined_variable, plain_variable
from cwm_lsp.trace import VALUE_KEY, state_at


class InspectionRequests:
    """Shows the stopped worlds: their threads, frames, scopes and values."""

    def __init__(self, state: SessionState) -> None:
        self.state = state

    def requests(self) -> dict[str, Handler]:
        return {
            "threads": self._threads,
            "stackTrace": self._stack_trace,
            "scopes": self._scopes,
            "variables": self._variables,
            "evaluate": self._evaluate,
            "exceptionInfo": self._exception_info,
        }

    async def _threads(self, request: Message) -> None:
        threads = [{"id": IMAGINED, "name": "imagined"}]
        config = self.state.config
        if config is not None and config.mode == "compare":
            threads.append({"id": REAL, "name": "real"})
        await self.state.connection.respond(request, {"threads": threads})

    async def _stack_trace(self, request: Message) -> None:
        state = self.state
        thread = int_argument(request, "threadId", IMAGINED)
        world = state.world(thread)
        config = state.config
        if world is None or config is None:
            await state.connection.respond(request, {"stackFrames": [], "totalFrames": 0})
            return
        frames, index = world
        source = {"name": config.program.name, "path": str(config.program)}
        stack = []
        for level, j in enumerate(scope_indices(frames, index)):
            name = scope_name(frames, j, config.function)
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
        await state.connection.respond(request, {"stackFrames": stack, "totalFrames": len(stack)})

    async def _scopes(self, request: Message) -> None:
        thread, level = decode_frame_id(int_argument(request, "frameId", 0))
        scopes = [
            {
                "name": "Locals",
                "presentationHint": "locals",
                "variablesReference": variables_ref(thread, level, LOCALS),
                "expensive": False,
            }
        ]
        if self.state.real is not None and level == 0:
            scopes.append(
                {
                    "name": "Mismatches",
                    "variablesReference": variables_ref(thread, level, MISMATCHES),
                    "expensive": False,
                }
            )
        await self.state.connection.respond(request, {"scopes": scopes})

    def _variables_of(self, ref: int) -> list[dict[str, Any]]:
        state = self.state
        thread, level, kind = decode_ref(ref)
        if kind == MISMATCHES:
            if state.run is None:
                return []
            return [
                plain_variable(m.name, f"imagined {m.imagined} | real {m.real}", "mismatch")
                for m in state.comparison().mismatches
            ]
        world = state.world(thread)
        if world is None:
            return []
        frames, index = world
        levels = scope_indices(frames, index)
        if level >= len(levels):
            return []
        j = levels[level]
        values = state_at(frames, j)
        frame = frames[j]
        result: list[dict[str, Any]] = []
        if thread == IMAGINED:
            confidence = confidences_at(frames, j, values)
            result = [imagined_variable(n, v, confidence.get(n)) for n, v in values.items()]
            if frame.event in ("return", "exception") and frame.value is not None:
                label = "(return)" if frame.event == "return" else "(exception)"
                result.append(imagined_variable(label, frame.value, confidence.get(VALUE_KEY)))
        else:
            result = [plain_variable(n, v, "real") for n, v in values.items()]
            if frame.event in ("return", "exception") and frame.value is not None:
                label = "(return)" if frame.event == "return" else "(exception)"
                result.append(plain_variable(label, frame.value, "real"))
        return result

    async def _variables(self, request: Message) -> None:
        ref = int_argument(request, "variablesReference", 0)
        await self.state.connection.respond(request, {"variables": self._variables_of(ref)})

    async def _evaluate(self, request: Message) -> None:
        connection = self.state.connection
        expression = str(request_arguments(request).get("expression", "")).strip()
        world = self.state.world(IMAGINED)
        if world is None:
            await connection.respond(request, error="no session is stopped")
            return
        values = state_at(*world)
        if expression in values:
            await connection.respond(
                request, {"result": values[expression], "variablesReference": 0}
            )
        else:
            await connection.respond(
                request, error="imagined execution: only the names of locals can be evaluated"
            )

    async def _exception_info(self, request: Message) -> None:
        world = self.state.world(int_argument(request, "threadId", IMAGINED))
        if world is None or world[0][world[1]].event != "exception":
            await self.state.connection.respond(request, error="not stopped on an exception")
            return
        value = world[0][world[1]].value or "Exception"
        await self.state.connection.respond(
            request,
            {"exceptionId": value.split("(", 1)[0], "description": value, "breakMode": "always"},
        )
