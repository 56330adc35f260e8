"""A small HTTP/JSON client for an inference server: keep-alive, timeouts, retries, streams.

One :class:`HttpClient` talks to one endpoint (``http://`` or ``https://``)
over one kept-alive connection, from the one thread that owns the engine.
Every failure becomes a :class:`RemoteError` whose message says what
happened in words a status line can show ("cannot reach http://…: connection
refused", "http://…/completion answered 503: …", "… sent malformed JSON").
Transient failures (no connection, a timeout, 5xx, 429, a body that is not
JSON) are retried with exponential backoff; 4xx are not.  The API key is sent
as ``Authorization: Bearer`` and never appears in a message or a log.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import logging
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

#: Checked between the events of a streamed answer; True closes the request.
StopCheck = Callable[[], bool]


class RemoteError(RuntimeError):
    """The server could not be used for one request; ``transient`` ones may be retried."""

    def __init__(self, message: str, *, transient: bool, status: int = 0) -> None:
        super().__init__(message)
        self.transient = transient
        self.status = status


class RequestCancelled(RuntimeError):
    """``should_stop`` said stop while a streamed answer was being read (the request is closed)."""


@dataclass(frozen=True)
class Timeouts:
    """Seconds: to connect, to wait for each read (a slow server), and in all per request."""

    connect: float = 5.0
    read: float = 120.0
    total: float = 600.0


@dataclass(frozen=True)
class Retry:
    """How often and how patiently transient failures are retried (backoff doubles)."""

    attempts: int = 5
    backoff: float = 0.5
    max_backoff: float = 8.0

    def delays(self) -> Iterator[float]:
        delay = self.backoff
        for _ in range(max(0, self.attempts - 1)):
            yield delay
            delay = min(delay * 2, self.max_backoff)


def describe_os_error(exc: BaseException) -> str:
    """``connection refused``, ``timed out``, … for a socket-level failure."""
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, socket.timeout | TimeoutError):
        return "timed out"
    if isinstance(exc, ConnectionResetError):
        return "connection reset"
    if isinstance(exc, http.client.RemoteDisconnected | http.client.IncompleteRead):
        return "the server closed the connection"
    if isinstance(exc, socket.gaierror):
        return f"unknown host ({exc.strerror or exc})"
    if isinstance(exc, ssl.SSLError):
        return f"TLS error ({exc.reason or exc})"
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return str(text).lower()


class HttpClient:
    """JSON requests to one endpoint; not thread-safe (one owner thread), except :meth:`abort`."""

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        timeouts: Timeouts | None = None,
        retry: Retry | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        parts = urlsplit(base_url.rstrip("/"))
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http:// or https:// URL: {base_url!r}")
        self.base_url = f"{parts.scheme}://{parts.netloc}{parts.path}"
        self._scheme = parts.scheme
        self._host = parts.hostname
        self._port = parts.port
        self._prefix = parts.path
        self._api_key = api_key
        self.timeouts = timeouts or Timeouts()
        self.retry = retry or Retry()
        self._sleep = sleep
        self._conn: http.client.HTTPConnection | None = None
        self._lock = threading.Lock()
        #: the last failure, for status lines ("" after a success)
        self.last_error = ""
        self.requests = 0

    def __repr__(self) -> str:  # never shows the key
        return f"HttpClient({self.base_url!r})"

    # ----------------------------------------------------------------- connection

    def _connection(self) -> http.client.HTTPConnection:
        with self._lock:
            if self._conn is None:
                if self._scheme == "https":
                    self._conn = http.client.HTTPSConnection(
                        self._host, self._port, timeout=self.timeouts.connect
                    )
                else:
                    self._conn = http.client.HTTPConnection(
                        self._host, self._port, timeout=self.timeouts.connect
                    )
            return self._conn

    def close(self) -> None:
        """Close the connection (the next request opens a new one)."""
        with self._lock:
            conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(OSError):
                conn.close()

    def abort(self) -> None:
        """From another thread: close the connection under a request in flight."""
        with self._lock:
            conn = self._conn
        sock = getattr(conn, "sock", None) if conn is not None else None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def _headers(self, body: bool) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if body:
            headers["Content-Type"] = "application/json"
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        return headers

    # ----------------------------------------------------------------- requests

    def get(self, path: str, *, retry: bool = True) -> Any:
        return self._with_retries("GET", path, None, retry=retry)

    def post(self, path: str, payload: dict[str, Any], *, retry: bool = True) -> Any:
        return self._with_retries("POST", path, payload, retry=retry)

    def stream(
        self,
        path: str,
        payload: dict[str, Any],
        should_stop: StopCheck | None = None,
        *,
        retry: bool = True,
    ) -> list[dict[str, Any]]:
        """POST with ``stream: true``; the server-sent events' JSON objects, in order.

        ``should_stop`` is checked between events: when it says stop, the
        connection is closed (the server cancels the task) and
        :class:`RequestCancelled` is raised.
        """
        body = {**payload, "stream": True}
        events: list[dict[str, Any]] = self._with_retries(
            "POST", path, body, retry=retry, should_stop=should_stop
        )
        return events

    def _with_retries(
        self,
        method: str,
        path: str,
        payload: dict[str, Any] | None,
        *,
        retry: bool,
        should_stop: StopCheck | None = None,
    ) -> Any:
        delays = iter(self.retry.delays() if retry else ())
        while True:
            reused = self._conn is not None
            try:
                try:
                    result = self._once(method, path, payload, should_stop)
                except RemoteError as exc:
                    if not (reused and exc.transient and exc.status == 0):
                        raise
                    # A kept-alive connection the server had closed: once more on a new one.
                    result = self._once(method, path, payload, should_stop)
            except RemoteError as exc:
                self.last_error = str(exc)
                delay = next(delays, None) if exc.transient else None
                if delay is None:
                    raise
                log.warning("%s; retrying in %.1f s", exc, delay)
                self._sleep(delay)
                if should_stop is not None and should_stop():
                    raise RequestCancelled("cancelled while waiting to retry") from None
                continue
            self.last_error = ""
            return result

    def _once(
        self,
        method: str,
        path: str,
        payload: dict[str, Any] | None,
        should_stop: StopCheck | None,
    ) -> Any:
        url = f"{self.base_url}{path}"
        data = json.dumps(payload).encode() if payload is not None else None
        conn = self._connection()
        started = time.monotonic()
        self.requests += 1
        try:
            conn.timeout = self.timeouts.connect
            conn.request(
                method, self._prefix + path, body=data, headers=self._headers(data is not None)
            )
            if conn.sock is not None:
                conn.sock.settimeout(self.timeouts.read)
            response = conn.getresponse()
            if payload is not None and payload.get("stream") and response.status == 200:
                return self._read_events(response, url, started, should_stop)
            raw = response.read()
        except RequestCancelled:
            self.close()
            raise
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            raise RemoteError(
                f"cannot reach {url}: {describe_os_error(exc)}", transient=True
            ) from None
        if response.status >= 400:
            detail = _error_detail(raw)
            transient = response.status >= 500 or response.status in (408, 429)
            if response.will_close:
                self.close()
            raise RemoteError(
                f"{url} answered {response.status}: {detail}",
                transient=transient,
                status=response.status,
            )
        if response.will_close:
            self.close()
        try:
            return json.loads(raw)
        except ValueError:
            self.close()
            raise RemoteError(
                f"{url} sent malformed JSON ({len(raw)} bytes: {_excerpt(raw)})", transient=True
            ) from None

    def _read_events(
        self,
        response: http.client.HTTPResponse,
        url: str,
        started: float,
        should_stop: StopCheck | None,
    ) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        finished = False
        while True:
            if should_stop is not None and should_stop():
                raise RequestCancelled("cancelled during a streamed answer")
            if time.monotonic() - started > self.timeouts.total:
                raise TimeoutError("the answer took longer than the total timeout")
            line = response.readline()
            if not line:
                break
            line = line.strip()
            if not line or line.startswith(b":"):
                continue
            if not line.startswith(b"data:"):
                continue
            data = line[5:].strip()
            if data == b"[DONE]":
                finished = True
                break
            try:
                event = json.loads(data)
            except ValueError:
                self.close()
                raise RemoteError(
                    f"{url} sent malformed JSON in its stream ({_excerpt(data)})", transient=True
                ) from None
            if isinstance(event, dict) and "error" in event:
                self.close()
                raise RemoteError(f"{url} answered an error: {_error_detail(data)}", transient=True)
            events.append(event)
            if isinstance(event, dict) and event.get("stop") is True:
                finished = True
                break
        if not finished:
            self.close()
            raise RemoteError(f"{url} ended its stream early (truncated answer)", transient=True)
        # llama-server ends its stream after the final event; read the rest so the
        # kept-alive connection is clean for the next request.
        try:
            rest = response.read()
        except (OSError, http.client.HTTPException):
            rest = b""
            self.close()
        if rest.strip() and b"[DONE]" not in rest:
            log.debug("ignoring %d bytes after the final event", len(rest))
        self.close()  # servers end an event stream by closing the connection
        return events


def _excerpt(raw: bytes, limit: int = 60) -> str:
    text = raw[:limit].decode("utf-8", errors="replace").replace("\n", " ")
    return repr(text + ("…" if len(raw) > limit else ""))


def _error_detail(raw: bytes) -> str:
    """The message of an error body (llama-server and OpenAI shapes), else an excerpt."""
    try:
        body = json.loads(raw)
    except ValueError:
        return _excerpt(raw)
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict):
            return str(error.get("message") or error.get("type") or error)[:200]
        return str(error)[:200]
    return _excerpt(raw)
