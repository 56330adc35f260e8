"""Fixtures: DAP adapters (in-process with a scripted model, or the real `cwm-lsp dap`), programs, orphan checks."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cwm_lsp.dap import serve_connection

from .dap_client import DapTestClient, spawn_stdio
from .fake_model import ScriptedModel

REPO = Path(__file__).resolve().parents[2]


def marked_processes(mark: str) -> list[int]:
    """Live processes whose environment carries ``CWM_TEST_MARK=mark`` (Linux /proc)."""
    needle = f"CWM_TEST_MARK={mark}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if needle not in (entry / "environ").read_bytes().split(b"\0"):
                continue
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            found.append(int(entry.name))
    return found


def wait_until_gone(mark: str, timeout: float = 10.0) -> list[int]:
    """The marked processes still alive after ``timeout`` seconds (empty: none left)."""
    import time

    deadline = time.monotonic() + timeout
    while (left := marked_processes(mark)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


@pytest.fixture
def write_program(tmp_path: Path) -> Callable[[str, str], Path]:
    def write(text: str, name: str = "program.py") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


class InProcessAdapter:
    """serve_connection on one end of a socketpair, in a thread with its own event loop."""

    def __init__(self, model: Any, env_mark: str, models: Any = None) -> None:
        self.model = model
        self._models = models if models is not None else (lambda path, progress: self.model)
        self.mark = env_mark
        self._ours, theirs = socket.socketpair()
        self._executor = concurrent.futures.ThreadPoolExecutor(max_workers=1)
        self._thread = threading.Thread(
            target=asyncio.run, args=(self._serve(theirs),), daemon=True
        )
        self._thread.start()
        self.client = DapTestClient(self._ours.makefile("rb"), self._ours.makefile("wb"))

    async def _serve(self, sock: socket.socket) -> None:
        reader, writer = await asyncio.open_connection(sock=sock)
        await serve_connection(reader, writer, self._executor, models=self._models)

    def finished(self, timeout: float = 15) -> bool:
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._ours.shutdown(socket.SHUT_RDWR)
        self._ours.close()
        self._thread.join(15)
        self._executor.shutdown(wait=False)


@pytest.fixture
def test_mark(monkeypatch: pytest.MonkeyPatch) -> str:
    """A unique mark in this process's environment, inherited by every child it starts."""
    mark = uuid.uuid4().hex
    monkeypatch.setenv("CWM_TEST_MARK", mark)
    return mark


@pytest.fixture
def scripted_adapter(test_mark: str) -> Iterator[Callable[..., InProcessAdapter]]:
    started: list[InProcessAdapter] = []

    def start(script: Any, args: str = "(2,)", fail_at: int | None = None) -> InProcessAdapter:
        adapter = InProcessAdapter(ScriptedModel(script, args, fail_at), test_mark)
        started.append(adapter)
        return adapter

    yield start
    for adapter in started:
        adapter.close()


@dataclass
class StdioAdapter:
    """`cwm-lsp dap` as a child process, its environment marked for orphan checks."""

    client: DapTestClient
    process: subprocess.Popen[bytes]
    mark: str

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


def start_stdio_adapter(log: list[dict[str, Any]] | None = None) -> StdioAdapter:
    mark = uuid.uuid4().hex
    client, process = spawn_stdio(
        adapter_command(), log=log, cwd=REPO, env={**os.environ, "CWM_TEST_MARK": mark}
    )
    return StdioAdapter(client, process, mark)


def adapter_command() -> list[str]:
    return [
        sys.executable,
        "-c",
        "import sys; from cwm_lsp.cli import main; sys.exit(main(['dap']))",
    ]
