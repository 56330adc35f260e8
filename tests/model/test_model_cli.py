"""``cwm-lsp model info`` and the imagined path of ``cwm-lsp trace`` (real processes)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cwm_lsp", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
    )


def test_model_info_names_the_file_its_origin_and_format(tiny_gguf: Path) -> None:
    done = cli("model", "info", "--model", str(tiny_gguf))
    assert done.returncode == 0, done.stderr
    assert str(tiny_gguf) in done.stdout
    assert "origin: --model" in done.stdout
    assert "native CWM" in done.stdout
    env_done = cli("model", "info", env={"CWM_LSP_MODEL": str(tiny_gguf)})
    assert "origin: CWM_LSP_MODEL" in env_done.stdout


def test_model_info_on_a_missing_file_is_one_line_and_exit_2(tmp_path: Path) -> None:
    done = cli("model", "info", "--model", str(tmp_path / "none.gguf"))
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1
    assert "none.gguf" in done.stderr


def test_trace_with_a_model_prints_the_imagined_trace(tiny_gguf: Path, tmp_path: Path) -> None:
    program = tmp_path / "prog.py"
    program.write_text("def f(x):\n    return x + 1\n")
    done = cli(
        "trace", str(program), "-f", "f", "-a", "1", "--model", str(tiny_gguf), "--max-frames", "4"
    )
    assert done.returncode == 0, done.stderr
    assert "def f(x):" in done.stdout
    assert "did not parse" in done.stderr  # the tiny model is random: counted, not a crash


@pytest.mark.model
@pytest.mark.slow
def test_trace_compare_on_the_default_model_shows_both_traces(tmp_path: Path) -> None:
    program = tmp_path / "prog.py"
    program.write_text("def f(a, b):\n    c = a + b\n    return c\n")
    done = cli("trace", str(program), "-f", "f", "-a", "2, 3", "--compare", "--max-frames", "8")
    assert done.returncode == 0, done.stderr
    assert "imagined" in done.stdout and "real" in done.stdout
