"""A DAP client over a pair of asyncio streams (used to drive debugpy)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from cwm_lsp.dap.framing import FramingError, Message, encode_message, read_message

log = logging.getLogger(__name__)

EventHandler = Callable[[Message], Awaitable[None]]


class DapRequestError(Exception):
    """The other side answered a request with ``success: false``."""

    def __init__(self, command: str, message: str) -> None:
        super().__init__(f"{command} failed: {message}")
        self.command = command


class DapClosedError(Exception):
    """The other side closed the connection."""


class DapClient:
    """Sends requests, matches responses, hands events to ``on_event``."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        on_event: EventHandler,
    ) -> None:
        self._reader = reader
        self._writer = writer
        self._on_event = on_event
        self._seq = 0
        self._pending: dict[int, asyncio.Future[Message]] = {}
        self._task: asyncio.Task[None] | None = None
        self.closed = asyncio.Event()

    def start(self) -> None:
        self._task = asyncio.create_task(self._read_loop())

    async def _read_loop(self) -> None:
        try:
            while True:
                try:
                    message = await read_message(self._reader)
                except FramingError as exc:
                    log.warning("bad message from debugpy: %s", exc)
                    continue
                if message is None:
                    break
                kind = message.get("type")
                if kind == "response":
                    future = self._pending.pop(int(message.get("request_seq", -1)), None)
                    if future is not None and not future.done():
                        future.set_result(message)
                elif kind == "event":
                    try:
                        await self._on_event(message)
                    except Exception:
                        log.exception("event handler failed")
                elif kind == "request":
                    await self._send(
                        {
                            "type": "response",
                            "request_seq": message.get("seq", 0),
                            "command": message.get("command", ""),
                            "success": False,
                            "message": "not supported",
                        }
                    )
        except (asyncio.IncompleteReadError, ConnectionError, OSError):
            pass
        finally:
            self.closed.set()
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(DapClosedError("connection closed"))
            self._pending.clear()

    async def _send(self, message: Message) -> None:
        self._seq += 1
        message["seq"] = self._seq
        self._writer.write(encode_message(message))
        await self._writer.drain()

    def send_request(
        self, command: str, arguments: dict[str, Any] | None = None
    ) -> asyncio.Future[Message]:
        """Send now; the future resolves to the whole response message."""
        if self.closed.is_set():
            raise DapClosedError(f"cannot send {command}: connection closed")
        future: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        self._seq += 1
        seq = self._seq
        self._pending[seq] = future
        message: Message = {"seq": seq, "type": "request", "command": command}
        if arguments is not None:
            message["arguments"] = arguments
        try:
            self._writer.write(encode_message(message))
        except (ConnectionError, RuntimeError, OSError) as exc:
            self._pending.pop(seq, None)
            raise DapClosedError(str(exc)) from exc
        return future

    async def request(
        self, command: str, arguments: dict[str, Any] | None = None, timeout: float = 10.0
    ) -> dict[str, Any]:
        """Send a request and return the response body; raise on failure."""
        response = await asyncio.wait_for(self.send_request(command, arguments), timeout)
        if not response.get("success"):
            raise DapRequestError(command, str(response.get("message", "")))
        body = response.get("body") or {}
        return dict(body)

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            self._writer.close()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
