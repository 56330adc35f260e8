"""The server's end of the model host: start the child, call it, notice when it dies.

:class:`HostProcess` starts ``python -m cwm_lsp.host.child`` with a pipe pair
of its own (the child's stdin is /dev/null and its stdout goes to stderr, so
neither can touch the language server's or the adapter's protocol).  Calls
are numbered; a reader thread hands each reply, streamed trace and progress
message to the call waiting for it.  When the pipe ends, the child is reaped,
every waiting call raises :class:`~cwm_lsp.model.api.ModelDied` saying how it
ended (``killed by SIGKILL``, ``exited with status 1``), later calls raise it
at once, and ``on_death`` hears it once.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from cwm_lsp.host.messages import Call, Cancel, Failure, Progress, Reply, Streamed, local_error
from cwm_lsp.host.wire import PipeClosed, read_message, write_message
from cwm_lsp.model.api import ModelDied

log = logging.getLogger(__name__)

#: seconds between two looks at a call's stop flag while it waits for the host
POLL = 0.02
#: seconds the host gets to end after its pipe closes, before SIGKILL
EXIT_GRACE = 3.0

OnEvent = Callable[[Any], None]


class _Died:
    """Put in a waiting call's queue when the host is gone."""


def describe_exit(returncode: int | None) -> str:
    if returncode is None:
        return "its pipe closed"
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return f"killed by {name}"
    return f"exited with status {returncode}"


class HostProcess:
    """One model host child process and the calls waiting on it."""

    def __init__(self, *, log_level: str | None = None) -> None:
        parent_read, child_write = os.pipe()
        child_read, parent_write = os.pipe()
        level = log_level or logging.getLevelName(logging.getLogger().getEffectiveLevel())
        command = [
            sys.executable,
            "-m",
            "cwm_lsp.host.child",
            "--in",
            str(child_read),
            "--out",
            str(child_write),
            "--log-level",
            str(level),
        ]
        try:
            self.process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=2,
                pass_fds=(child_read, child_write),
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        finally:
            os.close(child_read)
            os.close(child_write)
        self.pid = self.process.pid
        self._in = parent_read
        self._out = parent_write
        self._ids = itertools.count(1)
        self._waiting: dict[int, queue.Queue[Any]] = {}
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._closing = False
        #: why the host ended (None while it runs)
        self.death: str | None = None
        #: wall seconds the host itself spent on the last call that returned
        self.last_call_seconds = 0.0
        self.on_death: Callable[[str], None] | None = None
        self._reader = threading.Thread(target=self._read, name=f"cwm-host-{self.pid}", daemon=True)
        self._reader.start()
        log.info("model host started (pid %d)", self.pid)

    @property
    def alive(self) -> bool:
        return self.death is None

    # -- calls -------------------------------------------------------------------------------

    def call(
        self,
        method: str,
        *args: Any,
        on_event: OnEvent | None = None,
        should_stop: Callable[[], bool] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Run ``method`` in the host and return its value (or raise its exception).

        ``on_event`` sees the call's streamed traces and progress messages on
        this thread; ``should_stop`` is polled while waiting and, once True,
        the host is told to stop the call between tokens.
        """
        replies: queue.Queue[Any] = queue.Queue()
        with self._lock:
            if self.death is not None:
                raise ModelDied(self.death)
            call_id = next(self._ids)
            self._waiting[call_id] = replies
        try:
            self._send(Call(call_id, method, args, kwargs))
            cancelled = False
            while True:
                try:
                    message = replies.get(timeout=POLL if should_stop is not None else None)
                except queue.Empty:
                    if not cancelled and should_stop is not None and should_stop():
                        cancelled = True
                        self._send(Cancel(call_id))
                    continue
                if isinstance(message, Reply):
                    self.last_call_seconds = message.seconds
                    return message.value
                if isinstance(message, Failure):
                    raise local_error(message.error)
                if isinstance(message, _Died):
                    raise ModelDied(self.death or "the model host ended")
                if on_event is not None and isinstance(message, (Streamed, Progress)):
                    on_event(message)
        finally:
            with self._lock:
                self._waiting.pop(call_id, None)

    def _send(self, message: object) -> None:
        try:
            with self._write_lock:
                if self._out < 0:
                    raise PipeClosed("closed")
                write_message(self._out, message)
        except PipeClosed:
            self._reader.join(EXIT_GRACE)  # the reader records how the host ended
            raise ModelDied(self.death or "the model host's pipe closed") from None

    # -- the reader thread ---------------------------------------------------------------------

    def _read(self) -> None:
        try:
            while True:
                message = read_message(self._in)
                with self._lock:
                    replies = self._waiting.get(getattr(message, "id", -1))
                if replies is not None:
                    replies.put(message)
        except PipeClosed:
            pass
        except Exception:
            log.exception("the model host's pipe broke (pid %d)", self.pid)
        self._ended()

    def _ended(self) -> None:
        try:
            returncode = self.process.wait(EXIT_GRACE)
        except subprocess.TimeoutExpired:
            self.process.kill()
            returncode = self.process.wait()
        with self._lock:
            why = describe_exit(returncode)
            self.death = f"the model host (pid {self.pid}) {why}"
            waiting = list(self._waiting.values())
            closing = self._closing
        for replies in waiting:
            replies.put(_Died())
        with_os_close(self._in)
        if closing:
            log.info("model host %d ended", self.pid)
            return
        log.error("%s", self.death)
        listener = self.on_death
        if listener is not None:
            try:
                listener(self.death)
            except Exception:
                log.exception("the model host's death listener failed")

    # -- ending ----------------------------------------------------------------------------------

    def close(self, timeout: float = EXIT_GRACE) -> None:
        """End the host: close its pipe (it exits at once), SIGKILL it if it lingers, reap it."""
        with self._lock:
            self._closing = True
        with self._write_lock:
            out, self._out = self._out, -1
            if out >= 0:
                with_os_close(out)
        deadline = time.monotonic() + timeout
        try:
            self.process.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            log.warning("model host %d did not end; killing it", self.pid)
            self.process.kill()
            self.process.wait()
        if threading.current_thread() is not self._reader:
            self._reader.join(timeout)


def with_os_close(fd: int) -> None:
    with contextlib.suppress(OSError):
        os.close(fd)
