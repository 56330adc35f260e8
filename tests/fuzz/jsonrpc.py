"""A raw JSON-RPC client for the real server process: it can send anything, bytes included.

pytest-lsp's client only sends well-formed messages; the fuzzers need to
send malformed ones too (bad JSON, bad UTF-8, wrong types, broken headers),
so this client frames bytes itself.  A reader thread collects responses by
id, notifications in order, and answers the server's own requests
(``workspace/configuration``, refreshes, progress) as an editor would.
"""

from __future__ import annotations

import json
import queue
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import IO, Any

Message = dict[str, Any]

#: JSON-RPC / LSP error codes the server may answer with
PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
SERVER_NOT_INITIALIZED = -32002
REQUEST_CANCELLED = -32800
CONTENT_MODIFIED = -32801


def frame(body: bytes, *, headers: Sequence[bytes] = ()) -> bytes:
    """``body`` framed as the base protocol says (extra header lines before the blank line)."""
    head = b"Content-Length: %d\r\n" % len(body) + b"".join(h + b"\r\n" for h in headers)
    return head + b"\r\n" + body


def encode(message: Any) -> bytes:
    return frame(json.dumps(message, ensure_ascii=False).encode("utf-8"))


@dataclass
class Answer:
    """A response and when it came."""

    message: Message
    at: float

    @property
    def error(self) -> dict[str, Any] | None:
        error = self.message.get("error")
        return error if isinstance(error, dict) else None


@dataclass
class RpcClient:
    """Speaks (and mis-speaks) JSON-RPC to a server process on its stdio."""

    process: subprocess.Popen[bytes]
    notifications: list[Message] = field(default_factory=list)
    #: ids the server sent responses for that no request of ours had (must stay empty)
    stray: list[Message] = field(default_factory=list)
    #: bytes written to the server, messages sent
    sent_bytes: int = 0
    sent_messages: int = 0
    _next_id: int = 0
    _answers: dict[Any, queue.Queue[Answer]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _write_lock: threading.Lock = field(default_factory=threading.Lock)
    closed: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        assert self.process.stdout is not None
        threading.Thread(target=self._read, args=(self.process.stdout,), daemon=True).start()

    # -- reading --------------------------------------------------------------------

    def _read(self, stream: IO[bytes]) -> None:
        try:
            while (message := _read_one(stream)) is not None:
                self._dispatch(message)
        except (OSError, ValueError):
            pass
        finally:
            self.closed.set()

    def _dispatch(self, message: Message) -> None:
        if "method" in message and "id" in message:
            self._answer_server_request(message)
        elif "method" in message:
            self.notifications.append(message)
        elif "id" in message:
            with self._lock:
                box = self._answers.get(_key(message["id"]))
            if box is None:
                self.stray.append(message)
            else:
                box.put(Answer(message, time.time()))

    def _answer_server_request(self, request: Message) -> None:
        result: Any = None
        if request["method"] == "workspace/configuration":
            items = (request.get("params") or {}).get("items") or []
            result = [{} for _ in items]
        self.write(encode({"jsonrpc": "2.0", "id": request["id"], "result": result}))

    # -- writing --------------------------------------------------------------------

    def write(self, data: bytes) -> None:
        assert self.process.stdin is not None
        with self._write_lock:
            self.process.stdin.write(data)
            self.process.stdin.flush()
            self.sent_bytes += len(data)
            self.sent_messages += 1

    def expect(self, request_id: Any) -> None:
        """A response with this id is owed (a request we framed ourselves)."""
        with self._lock:
            self._answers.setdefault(_key(request_id), queue.Queue())

    def new_id(self) -> int:
        with self._lock:
            self._next_id += 1
            return self._next_id

    def send_request(self, method: str, params: Any = None, *, request_id: Any = None) -> Any:
        """Send a request; returns its id (await the answer with :meth:`answer`)."""
        request_id = self.new_id() if request_id is None else request_id
        message: Message = {"jsonrpc": "2.0", "id": request_id, "method": method}
        if params is not None:
            message["params"] = params
        self.expect(request_id)
        self.write(encode(message))
        return request_id

    def notify(self, method: str, params: Any = None) -> None:
        message: Message = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            message["params"] = params
        self.write(encode(message))

    def answer(self, request_id: Any, timeout: float = 30.0) -> Answer:
        with self._lock:
            box = self._answers.setdefault(_key(request_id), queue.Queue())
        try:
            return box.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError(
                f"no response to request {request_id!r} within {timeout} s"
            ) from None

    def request(self, method: str, params: Any = None, timeout: float = 30.0) -> Answer:
        return self.answer(self.send_request(method, params), timeout)

    def alive(self) -> bool:
        return self.process.poll() is None and not self.closed.is_set()


def _key(request_id: Any) -> str:
    """Responses are matched by id value and type (1 and "1" are different ids)."""
    return json.dumps(request_id, sort_keys=True)


def _read_one(stream: IO[bytes]) -> Message | None:
    length = None
    while True:
        line = stream.readline()
        if not line:
            return None
        line = line.strip()
        if not line:
            if length is None:
                continue
            break
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    body = stream.read(length)
    message = json.loads(body.decode("utf-8"))
    return message if isinstance(message, dict) else {"batch": message}
