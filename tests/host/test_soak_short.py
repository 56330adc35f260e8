"""The soak, short: ``scripts/soak.py`` for 40 seconds with a model-host kill every 15.

The real server, the real default model, a debug session through the
server's endpoint, two documents edited every 100 ms.  What must hold: the
server never crashes, every request is answered, every kill is survived,
and no child process outlives the server.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.model, pytest.mark.slow, pytest.mark.timeout(600)]
pytest.importorskip("llama_cpp")


def test_a_short_soak_survives_host_kills_and_leaves_nothing_behind(tmp_path: Path) -> None:
    out = tmp_path / "soak.json"
    run = subprocess.run(
        [
            sys.executable,
            str(REPO / "scripts" / "soak.py"),
            "--minutes",
            "0.67",
            "--window",
            "0.33",
            "--kill-every",
            "15",
            "--change-every",
            "5",
            "--sample-every",
            "2",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=540,
        cwd=REPO,
    )
    assert out.is_file(), run.stdout + run.stderr
    report = json.loads(out.read_text())
    summary = run.stdout + json.dumps({k: v for k, v in report.items() if k != "samples"})
    assert report["crashed"] is False, summary
    assert report["children_left"] == [], summary
    assert report["unanswered"] == 0, summary
    assert report["kills"] >= 2 and report["restarts"] >= report["kills"], summary
    assert report["lsp_requests"] > 100 and report["lsp_p99_ms"] is not None, summary
    assert report["dap_sessions"] >= 1, summary
    assert report["dap_hangs"] == 0, summary
    assert report["exit_code"] == 0, summary
    assert all(w["lsp_requests"] > 0 for w in report["windows"]), summary
    assert run.returncode == 0, summary
