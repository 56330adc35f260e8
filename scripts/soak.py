"""Soak the language server with its model in a host process, and report what it held.

Starts the real server (``python -m cwm_lsp --stdio``) with the real default
model and, for ``--minutes`` (20 by default):

- edits two documents every 100 ms (a comment line each time; every
  ``--change-every`` seconds a function's body, so new predictions run) and
  asks for inlay hints and a hover after each edit, timing every answer;
- keeps a debug session going through the server's private DAP endpoint,
  stepping forward three times and back once, over and over (a new session
  when one ends);
- kills the model host with SIGKILL every ``--kill-every`` seconds (3
  minutes by default) and times how long the server takes to be ready again;
- samples the resident memory and open file descriptors of the server and
  of its host, and its child processes, every ``--sample-every`` seconds.

Reported (JSON to ``--out``, a summary on stdout): p50/p99 latency of the LSP
requests and of the debugger steps per ``--window``-minute window, memory
and descriptors over time and their growth, kills and restarts survived,
errors, requests left unanswered, whether the server crashed, and the child
processes still running after it exited.

    .venv/bin/python scripts/soak.py [--minutes 20] [--kill-every 180] [--out docs/bench/soak.json]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped]

REPO = Path(__file__).resolve().parents[1]
HOST_MODULE = "cwm_lsp.host.child"

PROGRAMS = [
    (
        "first.py",
        """\
def scale(n):
    factor = {k}
    result = n * factor
    return result


def total(n):
    acc = 0
    for i in range(n):
        acc += i
    return acc


scale(3)
total(4)
# tick 0
""",
    ),
    (
        "second.py",
        """\
def shout(word):
    loud = word.upper() + "{bang}"
    return loud


def pair(a, b):
    both = [a, b]
    return both


shout('hi')
pair(1, {k})
# tick 0
""",
    ),
]
#: the debug session steps this function (first.py)
DEBUG_FUNCTION, DEBUG_ARGS = "total", "(3,)"
#: (line, character) of a hover in each document: a local of the first function
HOVER_AT = [(2, 6), (1, 6)]


def frame(message: dict[str, Any]) -> bytes:
    body = json.dumps(message).encode("utf-8")
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def read_frame(read: Callable[[int], bytes], readline: Callable[[], bytes]) -> Any:
    length = None
    while True:
        line = readline()
        if not line:
            return None
        line = line.strip()
        if not line:
            if length is None:
                continue
            break
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    assert length is not None
    return json.loads(read(length))


class LspClient:
    """JSON-RPC over the server's stdio; answers are timed from send to arrival."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stdin is not None and process.stdout is not None
        self._in = process.stdin
        self._out = process.stdout
        self._lock = threading.Lock()
        self._ids = iter(range(1, 1 << 62))
        self._pending: dict[int, tuple[float, Callable[[Any, str, float], None]]] = {}
        self.statuses: list[tuple[float, dict[str, Any]]] = []
        self.closed = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()

    def _write(self, message: dict[str, Any]) -> None:
        with self._lock:
            self._in.write(frame(message))
            self._in.flush()

    def notify(self, method: str, params: Any) -> None:
        self._write({"jsonrpc": "2.0", "method": method, "params": params})

    def request_async(
        self, method: str, params: Any, done: Callable[[Any, str, float], None]
    ) -> None:
        with self._lock:
            request_id = next(self._ids)
            self._pending[request_id] = (time.monotonic(), done)
        self._write({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params})

    def request(self, method: str, params: Any, timeout: float = 60) -> Any:
        answers: queue.Queue[tuple[Any, str]] = queue.Queue()
        self.request_async(method, params, lambda r, e, s: answers.put((r, e)))
        result, error = answers.get(timeout=timeout)
        if error:
            raise RuntimeError(f"{method}: {error}")
        return result

    def unanswered(self, older_than: float) -> int:
        now = time.monotonic()
        with self._lock:
            return sum(1 for sent, _ in self._pending.values() if now - sent > older_than)

    def _read(self) -> None:
        try:
            while (message := read_frame(self._out.read, self._out.readline)) is not None:
                if "id" in message and "method" in message:  # a request from the server
                    self._write({"jsonrpc": "2.0", "id": message["id"], "result": None})
                elif "id" in message:
                    with self._lock:
                        sent, done = self._pending.pop(message["id"], (None, None))
                    if done is not None and sent is not None:
                        error = message.get("error")
                        done(
                            message.get("result"),
                            str(error.get("message")) if error else "",
                            time.monotonic() - sent,
                        )
                elif message.get("method") == "cwm/status":
                    self.statuses.append((time.monotonic(), message.get("params") or {}))
        except (OSError, ValueError):
            pass
        self.closed.set()


class DapClient:
    """DAP over the server's private endpoint (a unix socket and a token)."""

    def __init__(self, address: dict[str, Any]) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(address["path"])
        self.sock.sendall(address["token"].encode("ascii") + b"\r\n")
        self._file = self.sock.makefile("rb")
        self._seq = 0
        self.responses: dict[int, queue.Queue[dict[str, Any]]] = {}
        self.events: queue.Queue[dict[str, Any]] = queue.Queue()
        self.output: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        try:
            while (message := read_frame(self._file.read, self._file.readline)) is not None:
                if message.get("type") == "response":
                    self.responses.setdefault(message["request_seq"], queue.Queue()).put(message)
                elif message.get("type") == "event":
                    if message.get("event") == "output":
                        self.output.append(str(message.get("body", {}).get("output", "")))
                    self.events.put(message)
        except (OSError, ValueError):
            pass
        self.events.put({"event": "closed"})

    def call(self, command: str, arguments: dict[str, Any] | None = None) -> dict[str, Any]:
        self._seq += 1
        seq = self._seq
        self.responses.setdefault(seq, queue.Queue())
        message = {"seq": seq, "type": "request", "command": command, "arguments": arguments or {}}
        self.sock.sendall(frame(message))
        return self.responses[seq].get(timeout=120)

    def wait(self, names: tuple[str, ...], timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            event = self.events.get(timeout=max(0.01, deadline - time.monotonic()))
            if event.get("event") in names or event.get("event") == "closed":
                return event

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()


@dataclass
class Figures:
    started: float = field(default_factory=time.monotonic)
    lsp: list[tuple[float, float]] = field(default_factory=list)  # (t, seconds)
    dap: list[tuple[float, float]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    kills: list[float] = field(default_factory=list)
    recoveries: list[float] = field(default_factory=list)
    samples: list[dict[str, Any]] = field(default_factory=list)
    dap_sessions: int = 0
    dap_ended_by_host: int = 0
    dap_hangs: int = 0
    seen_children: set[tuple[int, float]] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def now(self) -> float:
        return time.monotonic() - self.started


def hosts_of(server: psutil.Process) -> list[psutil.Process]:
    try:
        children = server.children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    found = []
    for child in children:
        try:
            if HOST_MODULE in child.cmdline() and child.status() != psutil.STATUS_ZOMBIE:
                found.append(child)
        except psutil.Error:
            continue
    return found


def text_of(index: int, tick: int, version: int) -> str:
    _name, template = PROGRAMS[index]
    k = 2 + version % 7
    return (
        template.replace("{k}", str(k))
        .replace("{bang}", "!" * (1 + version % 3))
        .replace("# tick 0", f"# tick {tick}")
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=20.0)
    parser.add_argument("--window", type=float, default=5.0, help="minutes per report window")
    parser.add_argument("--kill-every", type=float, default=180.0, help="seconds between kills")
    parser.add_argument(
        "--change-every", type=float, default=20.0, help="seconds between edits of a function body"
    )
    parser.add_argument("--sample-every", type=float, default=10.0)
    parser.add_argument("--tick", type=float, default=0.1, help="seconds between edits")
    parser.add_argument("--out", default="docs/bench/soak.json")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="cwm-soak-"))
    paths = [workdir / name for name, _ in PROGRAMS]
    for index, path in enumerate(paths):
        path.write_text(text_of(index, 0, 0), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("CWM_LSP_MODEL_HOST", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "cwm_lsp", "--stdio", "--log-level", "WARNING"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=open(workdir / "server.log", "wb"),  # noqa: SIM115 - lives as long as the server
        env=env,
        cwd=workdir,
    )
    server = psutil.Process(process.pid)
    client = LspClient(process)
    figures = Figures()
    stop = threading.Event()
    uris = [path.as_uri() for path in paths]

    client.request(
        "initialize",
        {
            "processId": os.getpid(),
            "rootUri": workdir.as_uri(),
            "capabilities": {"workspace": {"inlayHint": {"refreshSupport": True}}},
            "initializationOptions": {
                "prediction": {"temperature": 0.0, "maxFrames": 40},
                "model": {"contextSize": 2048},
            },
        },
        timeout=120,
    )
    client.notify("initialized", {})
    for index, uri in enumerate(uris):
        client.notify(
            "textDocument/didOpen",
            {
                "textDocument": {
                    "uri": uri,
                    "languageId": "python",
                    "version": 1,
                    "text": text_of(index, 0, 0),
                }
            },
        )
    # wait for the model before the clock starts (its first load is not the soak's subject)
    deadline = time.monotonic() + 600
    while not any(s.get("state") in ("ready", "busy") for _, s in client.statuses):
        if time.monotonic() > deadline or process.poll() is not None:
            raise SystemExit("the model did not load")
        time.sleep(0.2)
    figures.started = time.monotonic()
    end_at = figures.started + args.minutes * 60

    def answered(kind: str) -> Callable[[Any, str, float], None]:
        t = figures.now()

        def done(result: Any, error: str, seconds: float) -> None:
            with figures.lock:
                figures.lsp.append((t, seconds))
                if error:
                    figures.errors.append(f"{kind}: {error}")

        return done

    def editor() -> None:
        tick = 0
        versions = [1, 1]
        body_versions = [0, 0]
        last_change = time.monotonic()
        while not stop.is_set() and time.monotonic() < end_at:
            tick += 1
            index = tick % 2
            if time.monotonic() - last_change > args.change_every:
                last_change = time.monotonic()
                body_versions[index] += 1
            versions[index] += 1
            uri = uris[index]
            client.notify(
                "textDocument/didChange",
                {
                    "textDocument": {"uri": uri, "version": versions[index]},
                    "contentChanges": [{"text": text_of(index, tick, body_versions[index])}],
                },
            )
            whole = {"start": {"line": 0, "character": 0}, "end": {"line": 40, "character": 0}}
            client.request_async(
                "textDocument/inlayHint",
                {"textDocument": {"uri": uri}, "range": whole},
                answered("inlayHint"),
            )
            line, character = HOVER_AT[index]
            client.request_async(
                "textDocument/hover",
                {
                    "textDocument": {"uri": uri},
                    "position": {"line": line, "character": character},
                },
                answered("hover"),
            )
            stop.wait(args.tick)

    def debugger() -> None:
        while not stop.is_set() and time.monotonic() < end_at:
            try:
                address = client.request("workspace/executeCommand", {"command": "cwm.dapEndpoint"})
                dap = DapClient(address)
            except Exception as exc:
                with figures.lock:
                    figures.errors.append(f"dap connect: {exc!r}")
                stop.wait(1)
                continue
            figures.dap_sessions += 1
            try:
                debug_session(dap)
            except queue.Empty:
                with figures.lock:
                    figures.dap_hangs += 1
                    figures.errors.append("dap: no answer within the timeout")
            finally:
                with contextlib.suppress(Exception):
                    dap.call("disconnect", {})
                dap.close()

    def debug_session(dap: DapClient) -> None:
        dap.call("initialize", {"adapterID": "cwm"})
        launch = dap.call(
            "launch",
            {
                "type": "cwm",
                "request": "launch",
                "program": str(paths[0]),
                "function": DEBUG_FUNCTION,
                "args": DEBUG_ARGS,
                "maxFrames": 30,
                "temperature": 0.0,
            },
        )
        if not launch.get("success"):
            figures.errors.append(f"dap launch: {launch.get('message')}")
            stop.wait(1)
            return
        dap.call("configurationDone")
        event = dap.wait(("stopped", "terminated"), 300)
        moves = ["stepIn", "stepIn", "stepIn", "stepBack"]
        step = 0
        while event.get("event") == "stopped" and not stop.is_set() and time.monotonic() < end_at:
            command = moves[step % len(moves)]
            step += 1
            started = time.monotonic()
            t = figures.now()
            dap.call(command, {"threadId": 1})
            event = dap.wait(("stopped", "terminated"), 300)
            with figures.lock:
                figures.dap.append((t, time.monotonic() - started))
        ended = event.get("event") in ("terminated", "closed")
        if ended and any("model host" in line for line in dap.output):
            figures.dap_ended_by_host += 1

    def killer() -> None:
        while not stop.wait(args.kill_every) and time.monotonic() < end_at:
            hosts = hosts_of(server)
            if not hosts:
                figures.errors.append("kill: no model host running")
                continue
            before = max((int(st.get("restarts", 0)) for _, st in list(client.statuses)), default=0)
            killed_at = time.monotonic()
            for host in hosts:
                with contextlib.suppress(psutil.Error):
                    host.send_signal(signal.SIGKILL)
            figures.kills.append(figures.now())
            # ready again: a status after the kill that is ready with one more restart
            deadline = killed_at + 300
            while time.monotonic() < deadline and not stop.is_set():
                after = [s for t, s in list(client.statuses) if t > killed_at]
                if any(
                    s.get("state") in ("ready", "busy") and int(s.get("restarts", 0)) > before
                    for s in after
                ):
                    figures.recoveries.append(round(time.monotonic() - killed_at, 2))
                    break
                time.sleep(0.1)

    def sampler() -> None:
        while not stop.is_set():
            sample_now()
            stop.wait(args.sample_every)

    def sample_now() -> None:
        try:
            children = server.children(recursive=True)
            hosts = hosts_of(server)
            sample = {
                "t_s": round(figures.now(), 1),
                "server_rss_mb": round(server.memory_info().rss / 2**20, 1),
                "server_fds": server.num_fds(),
                "host_rss_mb": round(sum(h.memory_info().rss for h in hosts) / 2**20, 1),
                "host_fds": sum(h.num_fds() for h in hosts),
                "children": len(children),
            }
            for child in children:
                try:
                    figures.seen_children.add((child.pid, child.create_time()))
                except psutil.Error:
                    continue
        except psutil.Error:
            return
        with figures.lock:
            figures.samples.append(sample)

    threads = [
        threading.Thread(target=target, daemon=True)
        for target in (editor, debugger, killer, sampler)
    ]
    for thread in threads:
        thread.start()
    crashed = False
    while time.monotonic() < end_at:
        if process.poll() is not None:
            crashed = True
            figures.errors.append(f"the server exited with {process.returncode} during the soak")
            break
        time.sleep(0.5)
    stop.set()
    for thread in threads:
        thread.join(30)
    sample_now()
    unanswered = client.unanswered(older_than=10.0)
    statuses = [s for _, s in client.statuses]
    restarts = max((int(s.get("restarts", 0)) for s in statuses), default=0)

    # the end: shutdown and exit, then every child the server ever had must be gone
    exit_code: int | None = None
    if not crashed:
        try:
            client.request("shutdown", None, timeout=30)
            client.notify("exit", None)
        except Exception as exc:
            figures.errors.append(f"shutdown: {exc!r}")
        try:
            exit_code = process.wait(20)
        except subprocess.TimeoutExpired:
            figures.errors.append("the server did not exit after shutdown/exit")
            process.kill()
            exit_code = process.wait()
    time.sleep(5.0)
    left = []
    for pid, created in figures.seen_children:
        try:
            child = psutil.Process(pid)
            if child.create_time() == created and child.status() != psutil.STATUS_ZOMBIE:
                left.append({"pid": pid, "command": " ".join(child.cmdline())[:200]})
        except psutil.Error:
            continue

    report = build_report(args, figures, restarts, unanswered, crashed, exit_code, left)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    sys.stdout.write(markdown(report))
    ok = not crashed and not left and unanswered == 0 and restarts >= len(figures.kills)
    return 0 if ok else 1


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def ms(value: float | None) -> float | None:
    return None if value is None else round(1000 * value, 1)


def build_report(
    args: argparse.Namespace,
    figures: Figures,
    restarts: int,
    unanswered: int,
    crashed: bool,
    exit_code: int | None,
    left: list[dict[str, Any]],
) -> dict[str, Any]:
    window = args.window * 60
    n_windows = max(1, int(-(-args.minutes * 60 // window)))
    windows = []
    for k in range(n_windows):
        lo, hi = k * window, (k + 1) * window
        lsp = [s for t, s in figures.lsp if lo <= t < hi]
        dap = [s for t, s in figures.dap if lo <= t < hi]
        windows.append(
            {
                "from_min": round(lo / 60, 2),
                "to_min": round(min(hi, args.minutes * 60) / 60, 2),
                "lsp_requests": len(lsp),
                "lsp_p50_ms": ms(percentile(lsp, 0.5)),
                "lsp_p99_ms": ms(percentile(lsp, 0.99)),
                "lsp_max_ms": ms(max(lsp) if lsp else None),
                "dap_steps": len(dap),
                "dap_p50_ms": ms(percentile(dap, 0.5)),
                "dap_p99_ms": ms(percentile(dap, 0.99)),
                "kills": sum(1 for t in figures.kills if lo <= t < hi),
            }
        )
    samples = figures.samples
    # growth from the first sample after the first minute (the caches filling up) to the last
    settled = next((s for s in samples if s["t_s"] >= 60), samples[0] if samples else None)
    last = samples[-1] if samples else None
    growth = {}
    if settled and last:
        growth = {
            "server_rss_mb": round(last["server_rss_mb"] - settled["server_rss_mb"], 1),
            "server_fds": last["server_fds"] - settled["server_fds"],
            "from_t_s": settled["t_s"],
            "to_t_s": last["t_s"],
        }
    return {
        "what": "scripts/soak.py: the real server with the real default model in a model host",
        "minutes": args.minutes,
        "tick_s": args.tick,
        "kill_every_s": args.kill_every,
        "windows": windows,
        "lsp_requests": len(figures.lsp),
        "lsp_p50_ms": ms(percentile([s for _, s in figures.lsp], 0.5)),
        "lsp_p99_ms": ms(percentile([s for _, s in figures.lsp], 0.99)),
        "dap_sessions": figures.dap_sessions,
        "dap_steps": len(figures.dap),
        "dap_sessions_ended_by_host_death": figures.dap_ended_by_host,
        "dap_hangs": figures.dap_hangs,
        "kills": len(figures.kills),
        "restarts": restarts,
        "recovery_s": figures.recoveries,
        "errors": figures.errors[:50],
        "error_count": len(figures.errors),
        "unanswered": unanswered,
        "crashed": crashed,
        "exit_code": exit_code,
        "children_left": left,
        "growth_after_first_minute": growth,
        "samples": samples,
    }


def markdown(report: dict[str, Any]) -> str:
    lines = [
        "| window (min) | LSP requests | p50 | p99 | DAP steps | step p50 | step p99 | kills |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for w in report["windows"]:
        lines.append(
            f"| {w['from_min']:g}–{w['to_min']:g} | {w['lsp_requests']} | {w['lsp_p50_ms']} ms "
            f"| {w['lsp_p99_ms']} ms | {w['dap_steps']} | {w['dap_p50_ms']} ms "
            f"| {w['dap_p99_ms']} ms | {w['kills']} |"
        )
    growth = report["growth_after_first_minute"]
    lines += [
        "",
        f"kills {report['kills']}, restarts {report['restarts']}, recovery {report['recovery_s']} s; "
        f"errors {report['error_count']}, unanswered {report['unanswered']}, "
        f"crashed {report['crashed']}, children left {len(report['children_left'])}; "
        f"growth after the first minute: {growth}",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
