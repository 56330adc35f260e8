"""The tree-sitter Python language, parsers, and the queries in ``grammars/``.

Query files (``grammars/python-*.scm``) are read at run time.  They are looked
for in two places, first hit wins:

1. ``cwm_lsp/grammars/`` - where an installed wheel carries them (pyproject maps
   the top-level ``grammars/`` directory to the package ``cwm_lsp.grammars``);
2. ``<repo>/grammars/`` - the source checkout, which an editable install and
   running from the repository use.

``CWM_LSP_GRAMMARS`` (a directory) overrides both.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import tree_sitter_python
from tree_sitter import Language, Parser, Query

_PACKAGE_DIR = Path(__file__).resolve().parents[1]


class GrammarError(RuntimeError):
    """A query file is missing or does not compile against the grammar."""


def grammar_dirs() -> list[Path]:
    """Where query files are looked for, in order."""
    dirs = [_PACKAGE_DIR / "grammars", _PACKAGE_DIR.parent / "grammars"]
    override = os.environ.get("CWM_LSP_GRAMMARS")
    if override:
        dirs.insert(0, Path(override))
    return dirs


def grammar_file(name: str) -> Path:
    """The path of grammar file ``name`` (e.g. ``"python-calls.scm"``)."""
    for directory in grammar_dirs():
        candidate = directory / name
        if candidate.is_file():
            return candidate
    searched = ", ".join(str(d) for d in grammar_dirs())
    raise GrammarError(f"grammar file {name!r} not found (searched {searched})")


@functools.cache
def python_language() -> Language:
    return Language(tree_sitter_python.language())


def new_parser() -> Parser:
    """A fresh parser (parsers are not thread-safe; they are cheap to make)."""
    return Parser(python_language())


def query(name: str) -> Query:
    """The compiled query ``grammars/python-<name>.scm`` (compiled once)."""
    return combined_query(name)


@functools.cache
def combined_query(*names: str) -> Query:
    """One query made of ``grammars/python-<name>.scm`` for each name, so one
    pass over a tree serves them all (their capture names must differ)."""
    paths = [grammar_file(f"python-{name}.scm") for name in names]
    source = "\n".join(path.read_text(encoding="utf-8") for path in paths)
    try:
        return Query(python_language(), source)
    except Exception as exc:  # tree_sitter.QueryError and friends
        where = ", ".join(str(p) for p in paths)
        raise GrammarError(f"{where}: {exc}") from exc
