"""Fuzzing the debug adapter in both modes, through the server's private DAP endpoint.

Each hypothesis example is one debug connection to the real server process
(``cwm.dapEndpoint``, a fresh token, then DAP): ``initialize``, a launch
whose configuration is drawn (the function, its inputs, ``maxFrames``, odd
types now and then), breakpoints on lines that do not exist, then a random
sequence of requests with garbage arguments: every movement (``stepBack``
at the start, ``reverseContinue``, ``continue``, ``pause``), inspection with
made-up references, ``evaluate`` with random text, ``setVariable`` with
unparsable values, ``restart``, ``terminate``, unknown commands, arguments
that are not objects, malformed frames, and a ``disconnect`` sent in the
middle of a step.  Checks: every request gets exactly one response (its
``request_seq`` and ``command``; a failure carries a message), the adapter
closes the connection after ``disconnect``, and the server still answers.

The imagined side is the real adapter and session over the noise model; in
``compare`` mode debugpy really runs the program (a file of this campaign's
own), and each connection is timed so that every debugpy start can be placed
inside a compare session.
"""

from __future__ import annotations

import contextlib
import json
import queue
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from .budget import run_bounded
from .jsonrpc import frame
from .lsp_fuzz import RealWindow, json_values
from .servers import FuzzServer

PROGRAM = """\
def helper(x):
    return x * 2


def total(n):
    acc = 0
    for i in range(n):
        acc += helper(i)
    return acc


def check(n):
    if n > 1:
        raise ValueError("too big")
    return n
"""
PROGRAM_LINES = PROGRAM.count("\n")
RESPONSE_TIMEOUT = 60.0

MOVES = ("next", "stepIn", "stepOut", "stepBack", "reverseContinue", "continue", "pause")
LOOKS = ("threads", "stackTrace", "scopes", "variables", "evaluate", "exceptionInfo")
OTHERS = (
    "setVariable",
    "setBreakpoints",
    "setExceptionBreakpoints",
    "setFunctionBreakpoints",
    "restart",
    "terminate",
    "attach",
    "goto",
    "stepInTargets",
    "source",
    "modules",
    "cwmNoSuchRequest",
    "launch",
    "configurationDone",
    "initialize",
)


@dataclass
class DapReport:
    mode: str
    examples: int = 0
    messages: int = 0
    requests: int = 0
    answered: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    violations: list[str] = field(default_factory=list)
    real_windows: list[RealWindow] = field(default_factory=list)
    seconds: float = 0.0


class DapConnection:
    """One connection to the endpoint: framed writes, a reader thread, responses by request seq."""

    def __init__(self, endpoint: dict[str, Any]) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(30)
        self.sock.connect(endpoint["path"])
        self.sock.settimeout(None)
        self.sock.sendall(endpoint["token"].encode() + b"\r\n")
        self.rfile = self.sock.makefile("rb")
        self.seq = 0
        self.sent = 0
        self.responses: dict[int, list[dict[str, Any]]] = {}
        self.arrived: queue.Queue[dict[str, Any]] = queue.Queue()
        self.events: list[dict[str, Any]] = []
        self.closed = threading.Event()
        self._lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        from .jsonrpc import _read_one

        try:
            while (message := _read_one(self.rfile)) is not None:
                if message.get("type") == "response":
                    with self._lock:
                        self.responses.setdefault(int(message.get("request_seq", -1)), []).append(
                            message
                        )
                    self.arrived.put(message)
                elif message.get("type") == "event":
                    self.events.append(message)
        except (OSError, ValueError):
            pass
        finally:
            self.closed.set()

    def write(self, data: bytes) -> None:
        self.sock.sendall(data)
        self.sent += 1

    def request(self, command: Any, arguments: Any = None, *, omit_arguments: bool = False) -> int:
        self.seq += 1
        message: dict[str, Any] = {"seq": self.seq, "type": "request", "command": command}
        if not omit_arguments:
            message["arguments"] = arguments
        self.write(frame(json.dumps(message).encode()))
        return self.seq

    def response(self, seq: int, timeout: float = RESPONSE_TIMEOUT) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                found = self.responses.get(seq)
            if found:
                return found[0]
            left = deadline - time.monotonic()
            if left <= 0 or (self.closed.is_set() and not found):
                raise TimeoutError(f"no response to DAP request {seq}")
            with contextlib.suppress(queue.Empty):
                self.arrived.get(timeout=min(left, 0.2))

    def wait_event(
        self, names: tuple[str, ...], after: int = 0, timeout: float = 30.0
    ) -> dict[str, Any] | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for event in self.events[after:]:
                if event.get("event") in names:
                    return event
            if self.closed.is_set():
                return None
            time.sleep(0.02)
        return None

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()


class DapFuzzer:
    def __init__(self, server: FuzzServer, program: Path, mode: str, report: DapReport) -> None:
        self.server = server
        self.program = program
        self.mode = mode
        self.report = report

    def endpoint(self) -> dict[str, Any]:
        answer = self.server.client.request(
            "workspace/executeCommand", {"command": "cwm.dapEndpoint", "arguments": []}
        )
        result: dict[str, Any] = answer.message["result"]
        return result

    def launch_arguments(self, data: st.DataObject) -> dict[str, Any]:
        arguments: dict[str, Any] = {
            "type": "cwm",
            "request": "launch",
            "program": str(self.program),
            "function": data.draw(st.sampled_from(["total", "total", "check", "helper"])),
            "mode": self.mode,
            "maxFrames": data.draw(st.integers(1, 16)),
            "stopOnEntry": data.draw(st.booleans()),
            "realStepTimeout": 5,
        }
        valid = st.sampled_from(["(2,)", "3", "total(1)", "(0,)", "check(5)", "x=1", None])
        args = data.draw(
            st.one_of(
                valid,
                valid,
                valid,
                st.sampled_from(["", "((", "x=", "\udcff", "1, 2, 3, 4"]),
                st.text(max_size=12),
            )
        )
        if args is not None:
            arguments["args"] = args
        if data.draw(st.integers(0, 5)) == 5:  # one field of the wrong type or value
            key = data.draw(
                st.sampled_from(
                    [
                        "program",
                        "function",
                        "args",
                        "maxFrames",
                        "stopOnEntry",
                        "mode",
                        "temperature",
                        "model",
                    ]
                )
            )
            arguments[key] = data.draw(json_values)
            if key == "mode" and arguments[key] == "compare" and self.mode != "compare":
                arguments[key] = "imagine"
        return arguments

    def garbage_arguments(self, data: st.DataObject, command: str) -> Any:
        if data.draw(st.integers(0, 3)) == 0:
            return data.draw(json_values)  # not an object, or an object of anything
        if command in ("scopes",):
            return {
                "frameId": data.draw(
                    st.integers(-5, 5000) | st.sampled_from([1000, 2000, 2001, 10**12])
                )
            }
        if command == "variables":
            return {
                "variablesReference": data.draw(
                    st.integers(-5, 30000) | st.sampled_from([10001, 10002, 20001, 20002, 10**15])
                )
            }
        if command == "evaluate":
            return {
                "expression": data.draw(
                    st.text(max_size=30)
                    | st.sampled_from(["acc", "n", "i", "x", "__import__('os')", "\udcff"])
                ),
                "frameId": 1000,
            }
        if command == "setVariable":
            value = data.draw(
                st.sampled_from(
                    [
                        "1",
                        "'x'",
                        "[1, 2",
                        "(((",
                        "",
                        "None",
                        "10**10**10",
                        "lambda: 0",
                        "😀",
                        "\udcff",
                        "'\udcff'",
                        "\x00",
                    ]
                )
                | st.text(max_size=15)
            )
            name = data.draw(
                st.sampled_from(["acc", "n", "i", "x", "(return)", "nope", "", "\udcff", "n\x00"])
            )
            return {
                "variablesReference": data.draw(st.sampled_from([10001, 20001, 10011, 0])),
                "name": name,
                "value": value,
            }
        if command == "setBreakpoints":
            lines = data.draw(
                st.lists(
                    st.integers(-3, PROGRAM_LINES + 5) | st.sampled_from([0, 10**9]), max_size=5
                )
            )
            source = data.draw(
                st.sampled_from(
                    [{"path": str(self.program)}, {"path": "/no/such/file.py"}, {}, "not-an-object"]
                )
            )
            return {"source": source, "breakpoints": [{"line": n} for n in lines]}
        if command in MOVES or command in ("stackTrace", "exceptionInfo"):
            return {
                "threadId": data.draw(st.sampled_from([1, 1, 2, 0, -1, 99]) | st.text(max_size=3))
            }
        if command == "restart":
            return data.draw(
                st.sampled_from([{}, {"arguments": {}}, {"arguments": {"program": "/nope.py"}}])
            )
        return data.draw(json_values)

    def episode(self, data: st.DataObject) -> None:
        window = RealWindow("debugpy", time.time()) if self.mode == "compare" else None
        connection = DapConnection(self.endpoint())
        owed: list[tuple[int, Any]] = []

        def send(command: Any, arguments: Any = None, **kwargs: Any) -> int:
            seq = connection.request(command, arguments, **kwargs)
            owed.append((seq, command))
            self.report.requests += 1
            return seq

        try:
            send("initialize", {"adapterID": "cwm", "linesStartAt1": True})
            launch = send("launch", self.launch_arguments(data))
            if data.draw(st.booleans()):
                send(
                    "setBreakpoints",
                    {
                        "source": {"path": str(self.program)},
                        "breakpoints": [
                            {"line": n}
                            for n in data.draw(
                                st.lists(st.integers(0, PROGRAM_LINES + 3), max_size=3)
                            )
                        ],
                    },
                )
            send("configurationDone")
            if connection.response(launch).get("success"):
                connection.wait_event(("stopped", "terminated"), timeout=20)
            for _ in range(data.draw(st.integers(1, 14))):
                kind = data.draw(
                    st.sampled_from(
                        ["move"] * 4 + ["look"] * 3 + ["other"] * 2 + ["malformed", "storm"]
                    )
                )
                if kind == "malformed":
                    garbage = data.draw(
                        st.sampled_from(
                            [
                                b"Content-Length: 5\r\n\r\nnope!",
                                b"Content-Length: x\r\n\r\n",
                                b"garbage\r\n\r\n",
                                frame(b"[1, 2, 3]"),
                                frame(b"\xff\xfe{}"),
                                frame(json.dumps({"type": "event", "event": "x"}).encode()),
                                frame(json.dumps({"seq": 0, "type": "request"}).encode()),
                            ]
                        )
                    )
                    if b'"seq": 0' in garbage:  # a request without a command: refused, by seq 0
                        owed.append((0, ""))
                        self.report.requests += 1
                    connection.write(garbage)
                    continue
                if kind == "storm":
                    for command in data.draw(
                        st.lists(st.sampled_from(MOVES + LOOKS), min_size=2, max_size=8)
                    ):
                        send(command, {"threadId": 1})
                    continue
                pool = MOVES if kind == "move" else LOOKS if kind == "look" else OTHERS
                command = data.draw(st.sampled_from(pool))
                events_before = len(connection.events)
                if command == "launch":
                    seq = send(command, self.launch_arguments(data))
                elif data.draw(st.integers(0, 6)) == 0:
                    seq = send(command, omit_arguments=True)
                else:
                    seq = send(command, self.garbage_arguments(data, command))
                wait = data.draw(st.booleans())
                if (
                    kind == "move"
                    and wait
                    and connection.response(seq).get("success")
                    and command != "pause"
                ):
                    connection.wait_event(
                        ("stopped", "terminated"), after=events_before, timeout=10
                    )
            ending = data.draw(
                st.sampled_from(["disconnect", "disconnect-mid-step", "terminate-then-disconnect"])
            )
            if ending == "disconnect-mid-step":
                send(
                    data.draw(st.sampled_from(["next", "continue", "stepIn", "reverseContinue"])),
                    {"threadId": 1},
                )
            elif ending == "terminate-then-disconnect":
                send("terminate", {})
            send("disconnect", data.draw(st.sampled_from([{}, {"terminateDebuggee": True}, None])))
        except (AssertionError, TimeoutError, OSError):
            connection.close()
            raise
        except BaseException:
            # hypothesis ended the example early (its choice buffer ran out): what was
            # sent is still owed its answers
            send("disconnect", {})
            self.verify(connection, owed, window)
            raise
        else:
            self.verify(connection, owed, window)
        finally:
            connection.close()
            self.report.messages += connection.sent
            for event in connection.events:
                output = str((event.get("body") or {}).get("output", ""))
                if event.get("event") == "output" and output.startswith(
                    "starting the real program"
                ):
                    self.report.outcomes["real runs started"] += 1
                if event.get("event") == "output" and output.startswith("model ready"):
                    self.report.outcomes["sessions started"] += 1
            if window is not None:
                window.end = time.time()
                self.report.real_windows.append(window)
        status = self.server.client.request(
            "workspace/executeCommand", {"command": "cwm.modelStatus", "arguments": []}
        )
        if status.error is not None or not self.server.client.alive():
            raise AssertionError(
                f"the server stopped answering after a debug session:\n{self.server.stderr_tail()}"
            )
        self.report.examples += 1

    def verify(
        self,
        connection: DapConnection,
        owed: list[tuple[int, Any]],
        window: RealWindow | None,
    ) -> None:
        """Every request answered once, the connection closed after disconnect."""
        for seq, command in owed:
            try:
                response = connection.response(seq)
            except TimeoutError:
                raise AssertionError(
                    f"DAP {command!r} (seq {seq}) got no response ({self.mode})"
                ) from None
            self.check(response, seq, command)
            if command == "restart" and response.get("success") and window is not None:
                window.allowance += 1  # a restarted compare session runs the program again
        if not connection.closed.wait(20):
            raise AssertionError(
                f"the adapter kept the connection open after disconnect ({self.mode})"
            )
        for seq, found in connection.responses.items():
            if len(found) != 1:
                raise AssertionError(f"DAP request {seq} got {len(found)} responses: {found}")
        unknown = set(connection.responses) - {seq for seq, _ in owed}
        if unknown:
            raise AssertionError(f"responses to requests never sent: {sorted(unknown)}")

    def check(self, response: dict[str, Any], seq: int, command: Any) -> None:
        self.report.answered += 1
        if response.get("command") != command:
            raise AssertionError(
                f"response to {command!r} names command {response.get('command')!r}"
            )
        if response.get("success") is True:
            self.report.outcomes["success"] += 1
        elif (
            response.get("success") is False
            and isinstance(response.get("message"), str)
            and response["message"]
        ):
            if response["message"].startswith(f"{command} failed: "):
                # the adapter's catch-all: a handler raised instead of refusing
                raise AssertionError(f"{command!r} raised in the adapter: {response['message']}")
            self.report.outcomes["refused"] += 1
        else:
            raise AssertionError(f"{command!r}: not a proper DAP response: {response}")


def fuzz_dap(
    server: FuzzServer, program: Path, *, mode: str, seed_value: int, examples: int, seconds: float
) -> DapReport:
    """Up to ``examples`` debug connections (or ``seconds``) in ``mode`` to the server's endpoint."""
    report = DapReport(mode)
    fuzzer = DapFuzzer(server, program, mode, report)
    started = time.monotonic()
    failure = run_bounded(
        fuzzer.episode, seed_value=seed_value, examples=examples, seconds=seconds, chunk=2
    )
    if failure is not None:
        report.violations.append(failure)
    report.seconds = time.monotonic() - started
    return report
