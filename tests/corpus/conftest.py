"""Fixtures of the corpus tests: a tiny self-written benchmark, the CLI, generated programs.

The benchmark rows below are written for these tests in CRUXEval's format
(``code``, ``input``, ``output``, ``id``); none comes from CRUXEval.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cwm_lsp.corpus.generator import Program, generate_program

SCRIPT = Path(sys.executable).with_name("cwm-lsp")

#: Self-written benchmark functions, CRUXEval style (entry function ``f``).
BENCHMARK_CODE = {
    "fields": """
        def f(text, sep):
            parts = text.split(sep)
            out = []
            for p in parts:
                if p:
                    out.append(p.upper())
            return '-'.join(out)
    """,
    "tally": """
        def f(nums):
            counts = {}
            for n in nums:
                counts[n] = counts.get(n, 0) + 1
            return sorted(counts.items())
    """,
    "mirror": """
        def f(s):
            return s[::-1].strip()
    """,
}


def dedent(code: str) -> str:
    return textwrap.dedent(code).lstrip("\n")


@pytest.fixture
def benchmark_file(tmp_path: Path) -> Path:
    """A CRUXEval-format JSON-lines file of the three self-written functions."""
    path = tmp_path / "bench.jsonl"
    rows = [
        {"id": key, "code": dedent(code), "input": "'a'", "output": "'a'"}
        for key, code in BENCHMARK_CODE.items()
    ]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


@pytest.fixture
def corpus_row() -> Callable[..., dict[str, Any]]:
    """A corpus row holding ``source`` (dedented); only the fields decontamination reads."""

    def make(row_id: str, source: str) -> dict[str, Any]:
        return {"id": row_id, "origin": "generated", "source": dedent(source)}

    return make


@pytest.fixture(scope="session")
def programs() -> list[Program]:
    """The first 100 programs of seed 0 (generation only, no tracing)."""
    return [generate_program(0, index) for index in range(100)]


def run_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run ``cwm-lsp`` as a user would, in a child process."""
    command = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "cwm_lsp"]
    return subprocess.run(
        [*command, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        check=False,
    )


@pytest.fixture(scope="session")
def cli() -> Callable[..., subprocess.CompletedProcess[str]]:
    """``cli("corpus", "build", ...)``: run ``cwm-lsp`` in a child process."""
    return run_cli
