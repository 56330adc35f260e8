"""``cwm-lsp trace``: the real-trace table, JSON, and one-line errors with exit code 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cwm_lsp.trace import EndReason, Trace

SCRIPT = Path(sys.executable).with_name("cwm-lsp")
COUNT = """
def count(xs, target=0):
    hits = 0
    for x in xs:
        if x == target:
            hits += 1
    print("counted", hits)
    return hits
"""


def cwm_lsp(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    command = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "cwm_lsp"]
    return subprocess.run(
        [*command, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        check=False,
    )


@pytest.fixture
def count_py(write_py) -> Path:
    return write_py(COUNT, "count.py")


def test_real_trace_prints_a_table_of_steps(count_py):
    result = cwm_lsp("trace", str(count_py), "--function", "count", "--args", "[0, 1, 0]", "--real")

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "count([0, 1, 0])"
    assert lines[2].split() == ["step", "line", "event", "source", "changed", "value"]
    assert "hits=1" in result.stdout and "hits=2" in result.stdout
    assert "returned 2" in result.stdout
    assert "--- program stdout ---\ncounted 2" in result.stdout


def test_real_trace_json_is_a_trace(count_py):
    result = cwm_lsp(
        "trace", str(count_py), "-f", "count", "-a", "count([5, 5], target=5)", "--real", "--json"
    )

    trace = Trace.from_json(json.loads(result.stdout))
    assert result.returncode == 0
    assert trace.reason is EndReason.RETURNED
    assert trace.return_value == "2"
    assert trace.frames[0].locals == {"xs": "[5, 5]", "target": "5"}
    assert trace.stdout == "counted 2\n"


def test_limits_are_options(count_py):
    result = cwm_lsp(
        "trace", str(count_py), "-f", "count", "-a", "[0]*50", "--real", "--json",
        "--max-frames", "20", "--repr-limit", "12",
    )  # fmt: skip

    trace = Trace.from_json(json.loads(result.stdout))
    assert trace.reason is EndReason.FRAME_CAP and len(trace.frames) == 20
    assert trace.frames[0].locals["xs"] == "[0, 0, 0, 0…"


def test_timeout_option_stops_a_loop_forever(write_py):
    path = write_py(
        "import time\n\ndef wait():\n    while True:\n        time.sleep(0.05)\n", "wait.py"
    )

    result = cwm_lsp("trace", str(path), "-f", "wait", "--real", "--timeout", "1")

    assert result.returncode == 0
    assert "timeout: no result after 1 s" in result.stdout


@pytest.mark.parametrize(
    ("file_text", "function", "args", "message"),
    [
        (None, "count", "[1]", "no such file"),
        ("def count(:\n    pass\n", "count", "[1]", "syntax error"),
        (COUNT, "missing", "[1]", "no function 'missing'"),
        (COUNT, "count", "[1, 2", "cannot parse the args"),
    ],
    ids=["missing file", "syntax error", "unknown function", "unparsable args"],
)
def test_bad_input_is_one_line_on_stderr_and_exit_code_2(
    tmp_path, file_text, function, args, message
):
    path = tmp_path / "prog.py"
    if file_text is not None:
        path.write_text(file_text)

    result = cwm_lsp("trace", str(path), "--function", function, "--args", args, "--real")

    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith("cwm-lsp trace: ") and message in result.stderr


def test_a_missing_required_option_is_a_usage_error_with_exit_code_2(count_py):
    result = cwm_lsp("trace", str(count_py), "--real")

    assert result.returncode == 2
    assert "--function" in result.stderr


def test_python_dash_m_runs_the_same_cli(count_py):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "cwm_lsp",
            "trace",
            str(count_py),
            "-f",
            "count",
            "-a",
            "[0]",
            "--real",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0
    assert json.loads(result.stdout)["return_value"] == "1"


def test_help_lists_the_trace_command():
    result = cwm_lsp("--help")

    assert result.returncode == 0
    assert "trace" in result.stdout
