"""The tree-sitter queries in grammars/ are found and compile."""

from __future__ import annotations

from pathlib import Path

import pytest

from cwm_lsp.source.grammar import GrammarError, grammar_dirs, grammar_file, query

REPO_GRAMMARS = Path(__file__).resolve().parents[2] / "grammars"


@pytest.mark.parametrize("path", sorted(REPO_GRAMMARS.glob("python-*.scm")), ids=lambda p: p.name)
def test_every_query_file_compiles_against_the_python_grammar(path: Path) -> None:
    name = path.stem.removeprefix("python-")
    assert query(name).pattern_count > 0


def test_query_files_are_found_in_the_repository_grammars_directory() -> None:
    assert REPO_GRAMMARS in grammar_dirs()
    assert grammar_file("python-calls.scm").parent.resolve() == REPO_GRAMMARS


def test_the_grammars_directory_can_be_overridden(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "python-extra.scm").write_text("(identifier) @id\n")
    monkeypatch.setenv("CWM_LSP_GRAMMARS", str(tmp_path))
    assert grammar_file("python-extra.scm") == tmp_path / "python-extra.scm"


def test_a_missing_query_file_is_a_clear_error() -> None:
    with pytest.raises(GrammarError, match=r"python-nonexistent\.scm"):
        grammar_file("python-nonexistent.scm")


def test_the_package_carries_the_query_files_so_a_wheel_ships_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``cwm_lsp/grammars`` links to ``grammars/``; pyproject's package-data
    (``grammars/*.scm``) puts them in the wheel, where the loader looks first."""
    import cwm_lsp

    monkeypatch.delenv("CWM_LSP_GRAMMARS", raising=False)
    packaged = Path(cwm_lsp.__file__).resolve().parent / "grammars"
    assert grammar_dirs()[0] == packaged
    assert sorted(p.name for p in packaged.glob("*.scm")) == sorted(
        p.name for p in REPO_GRAMMARS.glob("*.scm")
    )
