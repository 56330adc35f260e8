"""A stub HTTP server for the fault shapes a real llama-server does not produce:
garbage bodies, truncated streams, stalls, a run of 5xx answers, a slow stream
to cancel.  Everything else about it is as small as those faults need."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PROPS = {
    "default_generation_settings": {"n_ctx": 512},
    "total_slots": 1,
    "model_path": "/models/stub.gguf",
    "bos_token": "",
    "eos_token": "",
    "build_info": "stub",
}

#: A token event and the final event of a streamed /completion, as llama-server sends them.
TOKEN_EVENT = {
    "content": "a",
    "tokens": [97],
    "stop": False,
    "completion_probabilities": [
        {"id": 97, "token": "a", "bytes": [97], "logprob": -0.1, "top_logprobs": []}
    ],
}
FINAL_EVENT = {
    "content": "",
    "stop": True,
    "stop_type": "limit",
    "timings": {"prompt_n": 1, "cache_n": 0},
}


@dataclass
class Behaviour:
    """What the stub does with a request: ``(handler) -> None`` writes the answer."""

    answers: dict[str, Callable[[BaseHTTPRequestHandler], None]] = field(default_factory=dict)
    seen: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    disconnected: threading.Event = field(default_factory=threading.Event)


def send_json(handler: BaseHTTPRequestHandler, body: object, status: int = 200) -> None:
    data = json.dumps(body).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


def send_raw(handler: BaseHTTPRequestHandler, data: bytes, status: int = 200) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


def send_events(
    handler: BaseHTTPRequestHandler, events: list[object], *, delay: float = 0.0, end: bool = True
) -> None:
    """A server-sent event stream (closed after the events; ``end=False`` leaves out the last)."""
    handler.send_response(200)
    handler.send_header("Content-Type", "text/event-stream")
    handler.send_header("Connection", "close")
    handler.end_headers()
    for event in events if end else events[:-1]:
        handler.wfile.write(b"data: " + json.dumps(event).encode() + b"\n\n")
        handler.wfile.flush()
        time.sleep(delay)
    handler.close_connection = True


@contextmanager
def serve_on_loopback(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """A threading HTTP server for ``handler`` on a free loopback port; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def stub_server(behaviour: Behaviour) -> Iterator[str]:
    """Serve ``behaviour`` on a loopback port; yields the base URL."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            behaviour.seen.append((self.path, dict(self.headers)))
            answer = behaviour.answers.get(self.path)
            try:
                if answer is not None:
                    answer(self)
                elif self.path == "/props":
                    send_json(self, PROPS)
                else:
                    send_json(self, {"error": {"message": "not here"}}, 404)
            except (BrokenPipeError, ConnectionResetError):
                behaviour.disconnected.set()

        do_GET = _answer
        do_POST = _answer

    with serve_on_loopback(Handler) as url:
        yield url
