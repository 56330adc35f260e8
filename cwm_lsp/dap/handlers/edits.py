"""Edit requests: setVariable changes a local of the innermost frame.

The model re-imagines from the edited frame.  In compare mode the real
program takes the same edit through debugpy when it is live at that step
(it cannot go back); otherwise an output event says why it was not set.
"""

from __future__ import annotations

import ast
import logging

from cwm_lsp.dap.framing import Message
from cwm_lsp.dap.real_session import RealSessionError
from cwm_lsp.dap.references import REAL, decode_ref
from cwm_lsp.dap.session_state import Handler, SessionState, int_argument, request_arguments
from cwm_lsp.dap.variables import strip_confidence
from cwm_lsp.trace import VALUE_KEY, state_at

log = logging.getLogger(__name__)


class EditRequests:
    """Changes values in the stopped worlds."""

    def __init__(self, state: SessionState) -> None:
        self.state = state

    def requests(self) -> dict[str, Handler]:
        return {"setVariable": self._set_variable}

    async def _set_variable(self, request: Message) -> None:
        state = self.state
        connection = state.connection
        arguments = request_arguments(request)
        thread, level, _kind = decode_ref(int_argument(request, "variablesReference", 0))
        name = str(arguments.get("name", ""))
        value = strip_confidence(str(arguments.get("value", "")))
        if name in ("(return)", "(exception)"):
            name = VALUE_KEY
        if state.run is None or state.ended:
            await connection.respond(request, error="no session is stopped")
            return
        if level != 0:
            await connection.respond(request, error="only the innermost frame's locals can be set")
            return
        try:
            ast.parse(value, mode="eval")
        except (SyntaxError, ValueError):  # ValueError: a null byte, a lone surrogate
            await connection.respond(request, error=f"not a Python value: {value!r}")
            return
        async with state.lock:
            notes: list[str] = []
            real_value = None
            real = state.real
            if real is not None and name == VALUE_KEY:
                notes.append(
                    "real value not set: a return value cannot be changed in the real program"
                )
            elif real is not None:
                if state.real_index == len(real.frames) - 1 and not real.ended:
                    try:
                        real_value = await real.set_variable(name, value)
                    except RealSessionError as exc:
                        notes.append(f"real value not set: {exc}")
                else:
                    notes.append(
                        "real value not set: the real program is not at this step (it cannot go back)"
                    )
            try:
                frame = await state.run.edit(name, value)
            except Exception as exc:
                log.exception("edit failed")
                await connection.respond(request, error=f"the model could not take the edit: {exc}")
                return
            if real is not None:
                state.pairs[state.run.index] = state.real_index
                state.diverged = state.comparison().diverged
        for note in notes:
            await state.output(note, "important")
        shown = (
            real_value
            if thread == REAL and real_value is not None
            else state_at(state.run.frames, state.run.index).get(
                name, frame.locals.get(name, value)
            )
        )
        await connection.respond(request, {"value": shown, "variablesReference": 0})
        await connection.event("invalidated", {"areas": ["variables"]})
