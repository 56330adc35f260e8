"""Fixtures shared by every room's tests."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
#: The CRUXEval dev set lives beside the clone: ``<repo>/../shared/bench/``.
CRUXEVAL_DEV = REPO_ROOT.parent / "shared" / "bench" / "cruxeval-dev.jsonl"


@pytest.fixture(scope="session")
def cruxeval_rows() -> list[dict[str, Any]]:
    """The 200 CRUXEval dev rows: ``code`` (defines ``f``), ``input``, ``output``, ``id``."""
    if not CRUXEVAL_DEV.is_file():
        pytest.skip(f"CRUXEval dev set not found at {CRUXEVAL_DEV} (it lives in ../shared/bench/)")
    with CRUXEVAL_DEV.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


@pytest.fixture
def write_py(tmp_path: Path) -> Callable[..., Path]:
    """Write a dedented Python file into a temp dir: ``write_py(text, name="prog.py")``."""

    def write(text: str, name: str = "prog.py", newline: str = "\n") -> Path:
        path = tmp_path / name
        body = textwrap.dedent(text).lstrip("\n")
        path.write_bytes(body.replace("\n", newline).encode("utf-8"))
        return path

    return write


@pytest.fixture
def trace_source() -> Callable[..., Any]:
    """Trace ``function(args)`` of dedented source text for real: ``trace_source(src, "f", "1, 2")``."""
    from cwm_lsp.trace.tracer import trace_call

    def run(source: str, function: str, args: str = "", **options: Any) -> Any:
        return trace_call(
            textwrap.dedent(source).lstrip("\n"), function=function, args=args, **options
        )

    return run
