"""A converted CWM checkpoint runs through `cwm-lsp trace --model FILE` on the native CWM path."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from convert.conftest import require_convert_extra, require_llama_cpp
from convert.tiny_hf_cwm import build_tiny_cwm

PROGRAM = "def f(x, y):\n    z = x + y\n    return z\n"


@pytest.fixture(scope="module")
def converted_compact(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny random CWM with a compact vocabulary, converted to Q8_0 with `cwm-lsp model convert`."""
    require_convert_extra()
    require_llama_cpp()
    hf_dir = build_tiny_cwm(tmp_path_factory.mktemp("tiny-hf-compact"), layout="compact")
    out = tmp_path_factory.mktemp("gguf") / "tiny-cwm-q8_0.gguf"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "cwm_lsp",
            "model",
            "convert",
            str(hf_dir),
            "--out",
            str(out),
            "--quant",
            "Q8_0",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return out


def cwm_lsp(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cwm_lsp", *args], capture_output=True, text=True, timeout=300
    )


def test_model_info_reports_the_converted_file_as_native_cwm(converted_compact: Path) -> None:
    info = cwm_lsp("model", "info", "--model", str(converted_compact))
    assert info.returncode == 0, info.stderr
    assert "native CWM" in info.stdout
    assert "--model" in info.stdout


def test_trace_with_the_converted_model_takes_the_native_path(
    converted_compact: Path, tmp_path: Path
) -> None:
    program = tmp_path / "prog.py"
    program.write_text(PROGRAM)

    done = cwm_lsp(
        "trace",
        str(program),
        "--function",
        "f",
        "--args",
        "2, 3",
        "--model",
        str(converted_compact),
        "--max-frames",
        "6",
        "--json",
    )

    assert done.returncode == 0, done.stderr
    trace = json.loads(done.stdout)
    # The inputs are forced into the native call frame; random weights then
    # produce whatever they produce, which is parsed or counted, never raised.
    first = trace["frames"][0]
    assert (first["event"], first["line"], first["locals"]) == ("call", 1, {"x": "2", "y": "3"})
    assert trace["reason"] in ("returned", "raised", "frame cap", "error")
    assert len(trace["frames"]) <= 6
    assert all(1 <= frame["line"] <= 3 for frame in trace["frames"])
