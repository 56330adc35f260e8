"""The model host: the child process that holds the model and runs its token loop.

``python -m cwm_lsp.host.child --in FD --out FD`` reads :class:`~.messages.Call`
messages from one descriptor and writes replies to the other.  A reader
thread takes messages off the pipe (a :class:`~.messages.Cancel` sets that
call's stop flag at once); the main thread owns the model and runs the calls
one at a time, in order.  When the pipe closes (the server exited, or closed
it to end the host) the process ends at once, whatever it was doing: a host
never outlives its server.  fd 1 points at stderr, so nothing the native
library prints can reach a protocol.
"""

from __future__ import annotations

import argparse
import itertools
import logging
import os
import queue
import sys
import threading
import time
from dataclasses import replace
from typing import Any

from cwm_lsp.host.messages import (
    Call,
    Cancel,
    Failure,
    Loaded,
    Progress,
    Reply,
    SessionView,
    Streamed,
    frames_delta,
    portable_error,
)
from cwm_lsp.host.wire import PipeClosed, read_message, write_message
from cwm_lsp.model.api import ModelConfig, TraceSession, WorldModel
from cwm_lsp.trace import EndReason, Frame, Trace

log = logging.getLogger("cwm_lsp.host")

#: the session methods a server may call, with positional arguments
SESSION_METHODS = {"reset", "step", "next", "out", "back", "run_to", "edit", "run"}


class Host:
    """The calls of one server, served on the thread that owns the model."""

    def __init__(self, in_fd: int, out_fd: int) -> None:
        self._in = in_fd
        self._out = out_fd
        self._write_lock = threading.Lock()
        self._calls: queue.Queue[Call | None] = queue.Queue()
        self._cancelled: set[int] = set()
        self._model: WorldModel | None = None
        self._sessions: dict[int, TraceSession] = {}
        self._sent: dict[int, list[Frame]] = {}
        self._session_ids = itertools.count(1)

    # -- the pipe --------------------------------------------------------------------------

    def send(self, message: object) -> None:
        with self._write_lock:
            write_message(self._out, message)

    def read_forever(self) -> None:
        """The reader thread: calls to the queue, cancels to the flags; the end ends the host."""
        try:
            while True:
                message = read_message(self._in)
                if isinstance(message, Cancel):
                    self._cancelled.add(message.id)
                elif isinstance(message, Call):
                    self._calls.put(message)
        except PipeClosed:
            pass
        except Exception:
            log.exception("the model host's pipe broke")
        # the server is gone or asked us to end: nothing may outlive it
        os._exit(0)

    def serve(self) -> None:
        threading.Thread(target=self.read_forever, name="cwm-host-reader", daemon=True).start()
        while True:
            call = self._calls.get()
            if call is None:
                return
            started = time.perf_counter()
            try:
                value = self._dispatch(call)
            except BaseException as exc:
                self.send(Failure(call.id, portable_error(exc)))
            else:
                try:
                    self.send(Reply(call.id, value, time.perf_counter() - started))
                except PipeClosed:
                    raise
                except Exception as exc:  # the value does not pickle: say so, not die
                    self.send(Failure(call.id, RuntimeError(f"the reply could not be sent: {exc}")))
            finally:
                self._cancelled.discard(call.id)

    # -- calls -----------------------------------------------------------------------------

    def _stopper(self, call: Call) -> Any:
        return lambda: call.id in self._cancelled

    def _dispatch(self, call: Call) -> Any:
        method = getattr(self, "call_" + call.method, None)
        if method is None:
            raise ValueError(f"the model host has no call {call.method!r}")
        return method(call, *call.args, **call.kwargs)

    def call_pid(self, call: Call) -> int:
        return os.getpid()

    def call_load(self, call: Call, config: ModelConfig) -> Loaded:
        from cwm_lsp.model import load_model

        def progress(fraction: float, message: str) -> None:
            self.send(Progress(call.id, fraction, message))

        model = load_model(replace(config, host="inline"), progress)
        self._model = model
        return Loaded(
            info=model.info,
            calibration=model.calibration,
            prefix_report=model.prefix_report,
            pid=os.getpid(),
        )

    def _loaded(self) -> WorldModel:
        if self._model is None:
            raise RuntimeError("the model host has not loaded a model")
        return self._model

    def call_imagine(self, call: Call, *args: Any, **kwargs: Any) -> Any:
        sent: list[Frame] = []

        def on_frame(trace: Trace) -> None:
            self.send(
                Streamed(
                    call.id,
                    frames_delta(sent, trace.frames),
                    trace.reason,
                    trace.function,
                    trace.args,
                    trace.error,
                    trace.parse_errors,
                )
            )
            sent[:] = trace.frames

        stream = kwargs.pop("stream", False)
        return self._loaded().imagine(
            *args,
            **kwargs,
            should_stop=self._stopper(call),
            on_frame=on_frame if stream else None,
        )

    def call_next_states(self, call: Call, *args: Any, **kwargs: Any) -> Any:
        return self._loaded().next_states(*args, **kwargs, should_stop=self._stopper(call))

    def call_fill_hole(self, call: Call, *args: Any, **kwargs: Any) -> Any:
        return self._loaded().fill_hole(*args, **kwargs, should_stop=self._stopper(call))

    # -- stepping sessions -------------------------------------------------------------------

    def call_session_open(
        self, call: Call, source: str, function: str, **kwargs: Any
    ) -> tuple[int, SessionView]:
        session = self._loaded().session(source, function, **kwargs)
        sid = next(self._session_ids)
        self._sessions[sid] = session
        self._sent[sid] = []
        return sid, self._view(sid)

    def call_session(self, call: Call, sid: int, name: str, *args: Any) -> tuple[Any, SessionView]:
        if name not in SESSION_METHODS:
            raise ValueError(f"no session method {name!r}")
        session = self._session(sid)
        try:
            result = getattr(session, name)(*args)
        finally:
            view = self._view(sid)
        if isinstance(result, Trace):
            result = None  # the view carries the frames
        return result, view

    def call_session_stack(self, call: Call, sid: int) -> list[tuple[str, int]]:
        return self._session(sid).stack()

    def call_session_close(self, call: Call, sid: int) -> None:
        session = self._sessions.pop(sid, None)
        self._sent.pop(sid, None)
        if session is not None:
            session.close()

    def _session(self, sid: int) -> TraceSession:
        session = self._sessions.get(sid)
        if session is None:
            raise RuntimeError(f"no session {sid} in the model host (closed?)")
        return session

    def _view(self, sid: int) -> SessionView:
        session = self._sessions[sid]
        delta = frames_delta(self._sent[sid], session.frames)
        self._sent[sid] = list(session.frames)
        trace = session.trace
        return SessionView(
            frames=delta,
            index=session.index,
            args=session.args,
            done=session.done,
            tokens_evaluated=session.tokens_evaluated,
            reason=trace.reason if isinstance(trace.reason, EndReason) else EndReason.ERROR,
            function=trace.function,
            error=trace.error,
            parse_errors=trace.parse_errors,
            invented_args=bool(getattr(session, "invented_args", False)),
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cwm-lsp model host")
    parser.add_argument("--in", dest="in_fd", type=int, required=True)
    parser.add_argument("--out", dest="out_fd", type=int, required=True)
    parser.add_argument("--log-level", default="WARNING")
    options = parser.parse_args(argv)
    sys.stdout.flush()
    os.dup2(2, 1)  # fd 1 (native prints) goes to stderr, never to a protocol
    sys.stdout = sys.stderr
    logging.basicConfig(
        level=getattr(logging, str(options.log_level).upper(), logging.WARNING),
        format="%(asctime)s cwm-host[%(process)d] %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    Host(options.in_fd, options.out_fd).serve()
    return 0


if __name__ == "__main__":
    sys.exit(main())
