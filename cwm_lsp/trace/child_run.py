"""Running the traced child process and reading what it sends back.

:class:`ChildRun` starts ``python -u -c <_child.py's text> REQUEST.json`` (see
:mod:`cwm_lsp.trace._child` for what the child records), reads its message
pipe and its stdout/stderr (each kept up to :data:`OUTPUT_LIMIT` bytes), and
kills it and every process it started at the timeout.
:func:`frames_from_messages` turns the messages into Frames.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import IO, Any

from cwm_lsp.trace.trace_input import TraceInputError
from cwm_lsp.trace.types import EVENTS, Event, Frame, cut_repr

#: The program's own stdout/stderr are kept up to this many bytes each.
OUTPUT_LIMIT = 1_000_000


@cache
def _child_source() -> str:
    """The child's script: :mod:`cwm_lsp.trace._child`'s text, run with ``python -c``."""
    return Path(__file__).with_name("_child.py").read_text(encoding="utf-8")


def describe_exit(returncode: int | None) -> str:
    """Why a child that sent no end message stopped, from its exit status."""
    if returncode is not None and returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return f"the process was killed by {name} before the call finished"
    return f"the process exited with code {returncode} before the call finished"


def frames_from_messages(
    messages: Sequence[dict[str, Any]],
    lines: Sequence[str],
    decorated: dict[int, int],
    repr_limit: int,
) -> list[Frame]:
    """The child's frame messages as Frames (source text, ``def`` lines, cut reprs)."""
    frames: list[Frame] = []
    for message in messages:
        event = message.get("event")
        if event not in EVENTS:
            continue
        kind: Event = event
        line = int(message.get("line", 0))
        if kind == "call":
            line = decorated.get(line, line)
        value = message.get("value")
        frames.append(
            Frame(
                event=kind,
                line=line,
                source=lines[line - 1] if 1 <= line <= len(lines) else "",
                locals={
                    str(name): cut_repr(str(text), repr_limit)
                    for name, text in dict(message.get("locals", {})).items()
                },
                value=None if value is None else cut_repr(str(value), repr_limit),
            )
        )
    return frames


@dataclass
class ChildOutcome:
    """What one child run produced: its messages, the end message, how it stopped."""

    messages: list[dict[str, Any]]
    end: dict[str, Any] | None
    timed_out: bool
    returncode: int | None
    stdout: str
    stderr: str


class ChildRun:
    """One child process: start it, read its three pipes, stop it at the timeout."""

    def __init__(
        self, *, python: str, request_dir: Path, request: dict[str, Any], timeout: float
    ) -> None:
        self.python = python
        self.request_dir = request_dir
        self.request = request
        self.timeout = timeout

    def execute(self) -> ChildOutcome:
        read_fd, write_fd = os.pipe()
        request_path = self.request_dir / "request.json"
        request_path.write_text(json.dumps({**self.request, "fd": write_fd}), encoding="utf-8")
        env = dict(os.environ)
        env.setdefault("PYTHONIOENCODING", "utf-8")
        try:
            process = subprocess.Popen(
                [self.python, "-u", "-c", _child_source(), str(request_path)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                pass_fds=(write_fd,),
                start_new_session=os.name == "posix",
                env=env,
            )
        except OSError as error:
            os.close(read_fd)
            raise TraceInputError(f"cannot start {self.python}: {error}") from None
        finally:
            os.close(write_fd)
        assert process.stdout is not None and process.stderr is not None

        messages: list[dict[str, Any]] = []
        stdout: list[bytes] = []
        stderr: list[bytes] = []
        readers = [
            threading.Thread(target=_read_messages, args=(read_fd, messages), daemon=True),
            threading.Thread(target=_read_capped, args=(process.stdout, stdout), daemon=True),
            threading.Thread(target=_read_capped, args=(process.stderr, stderr), daemon=True),
        ]
        for reader in readers:
            reader.start()
        timed_out = False
        try:
            process.wait(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            _kill(process)
            process.wait()
        finally:
            if process.poll() is None:  # interrupted in the parent: leave nothing running
                _kill(process)
                process.wait()
        for reader in readers:
            reader.join(timeout=2.0)
        if any(reader.is_alive() for reader in readers):
            _kill(process)  # a grandchild still holds a pipe open
            for reader in readers:
                reader.join(timeout=2.0)

        end = messages[-1] if messages and "end" in messages[-1] else None
        return ChildOutcome(
            messages=messages,
            end=end,
            timed_out=timed_out,
            returncode=process.returncode,
            stdout=_decode_output(stdout),
            stderr=_decode_output(stderr),
        )


def _kill(process: subprocess.Popen[bytes]) -> None:
    """Kill the child and, on POSIX, every process it started in its session."""
    if os.name == "posix":
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        process.kill()


def _read_messages(fd: int, sink: list[dict[str, Any]]) -> None:
    with os.fdopen(fd, "rb") as stream:
        for raw in stream:
            try:
                message = json.loads(raw)
            except ValueError:
                continue  # a line cut short by a kill
            if isinstance(message, dict):
                sink.append(message)


def _read_capped(stream: IO[bytes], sink: list[bytes]) -> None:
    kept = 0
    with stream:
        while chunk := os.read(stream.fileno(), 65536):
            if kept < OUTPUT_LIMIT:
                sink.append(chunk[: OUTPUT_LIMIT - kept])
            kept += len(chunk)
    if kept > OUTPUT_LIMIT:
        sink.append(f"\n[… {kept - OUTPUT_LIMIT} more bytes not kept]\n".encode())


def _decode_output(chunks: list[bytes]) -> str:
    return b"".join(chunks).decode("utf-8", errors="replace")
