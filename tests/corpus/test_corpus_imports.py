"""The corpus package imports only the standard library and the trace package."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import cwm_lsp.corpus

CORPUS_DIR = Path(cwm_lsp.corpus.__file__).parent


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_every_corpus_module_imports_only_the_stdlib_the_trace_package_and_itself():
    outside = {
        f"{path.name}: {name}"
        for path in sorted(CORPUS_DIR.glob("*.py"))
        for name in imported(path)
        if not name.startswith(("cwm_lsp.corpus", "cwm_lsp.trace"))
        and name.split(".")[0] not in sys.stdlib_module_names
    }

    assert not outside
