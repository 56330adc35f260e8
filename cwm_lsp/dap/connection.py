"""The adapter's side of one DAP connection: numbered responses and events."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from cwm_lsp.dap.framing import Message, encode_message

log = logging.getLogger(__name__)


class DapConnection:
    """Writes framed responses and events; safe to use from several tasks."""

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self._writer = writer
        self._seq = 0
        self._lock = asyncio.Lock()
        self.closed = False

    async def send(self, message: Message) -> None:
        async with self._lock:
            if self.closed:
                return
            self._seq += 1
            message["seq"] = self._seq
            try:
                self._writer.write(encode_message(message))
                await self._writer.drain()
            except (ConnectionError, RuntimeError, OSError) as exc:
                log.info("client went away while sending: %s", exc)
                self.closed = True

    async def respond(
        self,
        request: Message,
        body: dict[str, Any] | None = None,
        *,
        error: str | None = None,
    ) -> None:
        message: Message = {
            "type": "response",
            "request_seq": request.get("seq", 0),
            "command": request.get("command", ""),
            "success": error is None,
        }
        if error is not None:
            message["message"] = error
            message["body"] = {"error": {"id": 1, "format": error, "showUser": True}}
        elif body is not None:
            message["body"] = body
        await self.send(message)

    async def event(self, name: str, body: dict[str, Any] | None = None) -> None:
        message: Message = {"type": "event", "event": name}
        if body is not None:
            message["body"] = body
        await self.send(message)

    async def output(self, text: str, category: str = "console") -> None:
        if not text.endswith("\n"):
            text += "\n"
        await self.event("output", {"category": category, "output": text})
