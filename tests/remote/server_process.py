"""Running llama.cpp's own ``llama-server`` (built into .venv/bin by scripts/build_llama_server.sh)
on a loopback port, for the remote engine's tests and benchmark."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
LLAMA_SERVER = REPO_ROOT / ".venv" / "bin" / "llama-server"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LlamaServer:
    """One ``llama-server`` process serving ``model`` on 127.0.0.1:``port``."""

    def __init__(
        self,
        model: Path,
        *,
        port: int | None = None,
        ctx: int = 4096,
        parallel: int = 1,
        threads: int = 1,
        threads_batch: int = 2,
        log: Path | None = None,
        lora: Path | None = None,
    ) -> None:
        self.model = model
        #: a GGUF LoRA the server applies to every request (``--lora``)
        self.lora = lora
        self.port = port or free_port()
        self.ctx = ctx
        self.parallel = parallel
        #: as the in-process defaults: one decode thread per physical core, batches on all
        self.threads = threads
        self.threads_batch = threads_batch
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        return [
            str(LLAMA_SERVER),
            "--model", str(self.model),
            "--host", "127.0.0.1",
            "--port", str(self.port),
            "--ctx-size", str(self.ctx * self.parallel),
            "--parallel", str(self.parallel),
            "--threads", str(self.threads),
            "--threads-batch", str(self.threads_batch),
            "--n-gpu-layers", "0",
            # as the in-process engine: no flash attention, 512-token batches
            # (flash attention changes the logits enough to flip near-ties)
            "--flash-attn", "off",
            "--batch-size", "512",
            "--ubatch-size", "512",
            "--no-webui",
            "--no-warmup",
            *(["--lora", str(self.lora)] if self.lora else []),
        ]  # fmt: skip

    def start(self, *, wait: bool = True, timeout: float = 120.0) -> LlamaServer:
        out = open(self.log, "ab") if self.log else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(
            self.command(), stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT
        )
        if wait:
            self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"llama-server exited with {self.process.returncode}")
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=2) as response:
                    if json.load(response).get("status") == "ok":
                        return
            except (OSError, urllib.error.URLError, ValueError):
                pass
            time.sleep(0.2)
        raise TimeoutError(f"llama-server on {self.url} not ready after {timeout} s")

    def kill(self) -> None:
        """kill -9, as a crash or an OOM kill would end it."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
        self.process = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
        self.process = None

    def metrics(self) -> dict[str, object]:
        with urllib.request.urlopen(self.url + "/props", timeout=5) as response:
            return dict(json.load(response))
