"""A small stdlib DAP client for tests: framing, requests, waiting for events."""

from __future__ import annotations

import json
import queue
import subprocess
import threading
import time
from typing import Any, BinaryIO

Message = dict[str, Any]


def encode(message: Message) -> bytes:
    body = json.dumps(message).encode("utf-8")
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def read_one(stream: BinaryIO) -> Message | None:
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
    return json.loads(body.decode("utf-8"))


class DapError(AssertionError):
    pass


class DapTestClient:
    """Talks DAP over a pair of binary streams; a thread reads messages into queues."""

    def __init__(self, rfile: BinaryIO, wfile: BinaryIO, log: list[Message] | None = None) -> None:
        self._wfile = wfile
        self._seq = 0
        self._lock = threading.Lock()
        self._responses: dict[int, queue.Queue[Message]] = {}
        self._events: queue.Queue[Message] = queue.Queue()
        self.events: list[Message] = []  # every event, in order
        self.log = log if log is not None else []  # every message both ways
        self.closed = threading.Event()
        self._thread = threading.Thread(target=self._read, args=(rfile,), daemon=True)
        self._thread.start()

    def _read(self, rfile: BinaryIO) -> None:
        try:
            while (message := read_one(rfile)) is not None:
                self.log.append(message)
                if message.get("type") == "response":
                    with self._lock:
                        box = self._responses.setdefault(message["request_seq"], queue.Queue())
                    box.put(message)
                elif message.get("type") == "event":
                    self.events.append(message)
                    self._events.put(message)
        except (OSError, ValueError):
            pass
        finally:
            self.closed.set()

    def send_raw(self, data: bytes) -> None:
        self._wfile.write(data)
        self._wfile.flush()

    def send(self, command: str, arguments: dict[str, Any] | None = None) -> int:
        with self._lock:
            self._seq += 1
            seq = self._seq
            self._responses.setdefault(seq, queue.Queue())
        message: Message = {"seq": seq, "type": "request", "command": command}
        if arguments is not None:
            message["arguments"] = arguments
        self.log.append(message)
        self.send_raw(encode(message))
        return seq

    def response(self, seq: int, timeout: float = 60) -> Message:
        try:
            return self._responses[seq].get(timeout=timeout)
        except queue.Empty:
            raise DapError(f"no response to request {seq} within {timeout} s") from None

    def request(
        self, command: str, arguments: dict[str, Any] | None = None, timeout: float = 60
    ) -> Message:
        """The whole response message (success or not)."""
        return self.response(self.send(command, arguments), timeout)

    def call(
        self, command: str, arguments: dict[str, Any] | None = None, timeout: float = 60
    ) -> dict[str, Any]:
        """The body of a successful response; raises DapError on failure."""
        response = self.request(command, arguments, timeout)
        if not response.get("success"):
            raise DapError(f"{command} failed: {response.get('message')}")
        return dict(response.get("body") or {})

    def wait_event(self, name: str | tuple[str, ...], timeout: float = 120) -> Message:
        """The next event with this name (earlier events of other names are skipped)."""
        names = (name,) if isinstance(name, str) else name
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise DapError(f"no {names} event within {timeout} s")
            try:
                event = self._events.get(timeout=left)
            except queue.Empty:
                continue
            if event.get("event") in names:
                return event

    def output_text(self) -> str:
        return "".join(
            str(e.get("body", {}).get("output", ""))
            for e in self.events
            if e.get("event") == "output"
        )

    # -- conveniences used by the tests -------------------------------------

    def start(
        self, launch: dict[str, Any], breakpoints: list[int] | None = None, timeout: float = 180
    ) -> Message:
        """initialize, launch, setBreakpoints, configurationDone; returns the first stopped event."""
        self.call(
            "initialize", {"adapterID": "cwm", "linesStartAt1": True, "columnsStartAt1": True}
        )
        self.wait_event("initialized")
        self.call("launch", {"type": "cwm", "request": "launch", **launch})
        if breakpoints is not None:
            self.call(
                "setBreakpoints",
                {
                    "source": {"path": launch["program"]},
                    "breakpoints": [{"line": n} for n in breakpoints],
                },
            )
        self.call("configurationDone")
        return self.wait_event(("stopped", "terminated"), timeout)

    def move(self, command: str, timeout: float = 120) -> Message:
        """A step command on the imagined thread; returns the stopped (or terminated) event."""
        self.call(command, {"threadId": 1})
        return self.wait_event(("stopped", "terminated"), timeout)

    def top(self, thread: int = 1) -> dict[str, Any]:
        frames = self.call("stackTrace", {"threadId": thread})["stackFrames"]
        return dict(frames[0])

    def variables(self, thread: int = 1, scope: str = "Locals") -> dict[str, dict[str, Any]]:
        frame = self.top(thread)
        scopes = self.call("scopes", {"frameId": frame["id"]})["scopes"]
        ref = next(s["variablesReference"] for s in scopes if s["name"] == scope)
        variables = self.call("variables", {"variablesReference": ref})["variables"]
        return {v["name"]: v for v in variables}


def spawn_stdio(
    command: list[str], log: list[Message] | None = None, **kwargs: Any
) -> tuple[DapTestClient, subprocess.Popen[bytes]]:
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, **kwargs)
    assert process.stdin is not None and process.stdout is not None
    return DapTestClient(process.stdout, process.stdin, log), process
