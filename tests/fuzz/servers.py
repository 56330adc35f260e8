"""Starting the fuzz server process (tests/fuzz/fuzz_server.py) and reading its audit log."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .jsonrpc import RpcClient

REPO = Path(__file__).resolve().parents[2]
FUZZ_SERVER = Path(__file__).with_name("fuzz_server.py")


@dataclass
class ProcessStart:
    """One process the server started, as its audit hook saw it."""

    event: str
    argv: list[str]
    time: float

    @property
    def kind(self) -> str:
        """One of: debugpy; tracer (the real tracer's child); model-host (the model's own
        process, which runs none of the user's code); other."""
        joined = " ".join(self.argv)
        if "cwm_lsp.host.child" in joined:
            return "model-host"
        if "debugpy" in joined:
            return "debugpy"
        if "request.json" in joined and "-c" in self.argv:
            return "tracer"
        return "other"


@dataclass
class FuzzServer:
    """The real server process with a noise model; its stderr and audit log in ``folder``."""

    client: RpcClient
    folder: Path
    fmt: str
    started: float = field(default_factory=time.time)

    @property
    def audit_path(self) -> Path:
        return self.folder / "audit.jsonl"

    def process_starts(self) -> list[ProcessStart]:
        if not self.audit_path.exists():
            return []
        starts = []
        for line in self.audit_path.read_text(encoding="utf-8").splitlines():
            record: dict[str, Any] = json.loads(line)
            starts.append(ProcessStart(record["event"], record["argv"], record["time"]))
        return starts

    def stderr_tail(self, lines: int = 40) -> str:
        path = self.folder / "stderr.txt"
        return (
            "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
            if path.exists()
            else ""
        )

    def initialize(self, options: dict[str, Any] | None = None) -> dict[str, Any]:
        capabilities = {
            "workspace": {
                "inlayHint": {"refreshSupport": True},
                "codeLens": {"refreshSupport": True},
                "configuration": True,
            },
            "textDocument": {"inlayHint": {}, "hover": {}, "codeLens": {}},
            "general": {"positionEncodings": ["utf-16"]},
        }
        answer = self.client.request(
            "initialize",
            {
                "processId": os.getpid(),
                "capabilities": capabilities,
                "initializationOptions": options or {},
            },
            timeout=60,
        )
        self.client.notify("initialized", {})
        result: dict[str, Any] = answer.message["result"]
        return result

    def stop(self) -> int | None:
        process = self.client.process
        if process.poll() is None:
            try:
                self.client.request("shutdown", timeout=10)
                self.client.notify("exit")
                process.wait(10)
            except (TimeoutError, OSError, subprocess.TimeoutExpired):
                process.kill()
                process.wait(10)
        return process.returncode


def start_fuzz_server(
    folder: Path, *, fmt: str, vocab: str, seed: int = 0, env: dict[str, str] | None = None
) -> FuzzServer:
    folder.mkdir(parents=True, exist_ok=True)
    environment = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "CWM_FUZZ_FORMAT": fmt,
        "CWM_FUZZ_VOCAB": vocab,
        "CWM_FUZZ_SEED": str(seed),
        "CWM_FUZZ_AUDIT": str(folder / "audit.jsonl"),
        "CWM_LSP_PREFIX_STATE": "off",
        **(env or {}),
    }
    stderr = open(folder / "stderr.txt", "ab")  # noqa: SIM115 - the process keeps it
    process = subprocess.Popen(
        [sys.executable, str(FUZZ_SERVER)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=stderr,
        cwd=REPO,
        env=environment,
    )
    stderr.close()
    return FuzzServer(RpcClient(process), folder, fmt)
