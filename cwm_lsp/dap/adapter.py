"""The debug adapter: DAP requests over imagined (and, in compare mode, real) execution.

Thread 1 "imagined" steps through what the model predicts; in compare mode
thread 2 "real" is debugpy running the same call, stepped in lockstep: every
imagined move makes the same kind of move on the recorded real frames (see
:mod:`cwm_lsp.dap.navigation`).  The first stop where the two differ (line or
values) is reported with ``description``/``text`` "diverged: …" and an
output event; ``continue`` stops there too.

:class:`DebugAdapter` only routes: the state lives in
:class:`~cwm_lsp.dap.session_state.SessionState` and each request family in
:mod:`cwm_lsp.dap.handlers` (lifecycle, movement, inspection, edits).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable

from cwm_lsp.dap.connection import DapConnection
from cwm_lsp.dap.framing import Message
from cwm_lsp.dap.handlers import (
    EditRequests,
    InspectionRequests,
    LifecycleRequests,
    MovementRequests,
)
from cwm_lsp.dap.imagined import ModelExecutor
from cwm_lsp.dap.models import ModelSource
from cwm_lsp.dap.session_state import BadArguments, Handler, SessionState

log = logging.getLogger(__name__)


class DebugAdapter:
    """One client connection; sessions run one after another (``restart``)."""

    def __init__(
        self, connection: DapConnection, executor: ModelExecutor, models: ModelSource
    ) -> None:
        self.connection = connection
        self.state = SessionState(connection, executor, models)
        movement = MovementRequests(self.state)
        self._handlers: dict[str, Handler] = {
            **LifecycleRequests(self.state, movement).requests(),
            **movement.requests(),
            **InspectionRequests(self.state).requests(),
            **EditRequests(self.state).requests(),
        }

    @property
    def finished(self) -> asyncio.Event:
        """Set once the client has disconnected."""
        return self.state.finished

    async def handle(self, request: Message) -> None:
        """Answer one request (errors become failed responses, never exceptions)."""
        command = str(request.get("command", ""))
        handler = self._handlers.get(command)
        if handler is None:
            await self.connection.respond(request, error=f"unsupported request {command!r}")
            return
        try:
            await handler(request)
        except BadArguments as exc:
            await self.connection.respond(request, error=str(exc))
        except Exception as exc:
            log.exception("request %s failed", command)
            await self.connection.respond(request, error=f"{command} failed: {exc}")

    def spawn(self, coroutine: Awaitable[None]) -> asyncio.Task[None]:
        """Run ``coroutine`` as a task that :meth:`shutdown` cancels."""
        return self.state.spawn(coroutine)

    async def shutdown(self) -> None:
        """End everything this connection started (sessions, debugpy, tasks)."""
        await self.state.shutdown()
