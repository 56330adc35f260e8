"""The house rules: which room may import which (docs/ARCHITECTURE.md), checked on the source.

Every module of a room is parsed with ``ast``; every import counts, also one
inside a function or under ``TYPE_CHECKING``.  A room may import its own
modules, the package's own ``__version__``, the standard library, the rooms
listed for it and the third-party packages listed for it, and nothing else.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import cwm_lsp

PACKAGE = Path(cwm_lsp.__file__).parent

#: room -> the other rooms it may import
ROOMS: dict[str, set[str]] = {
    "trace": set(),
    "analysis": {"trace"},
    "corpus": {"trace"},
    "engine": set(),
    "formats": {"engine", "analysis", "trace"},
    "convert": {"engine", "trace"},
    "model": {"engine", "formats", "analysis", "trace"},
    "source": {"trace"},
    "predict": {"model", "source", "trace", "host"},
    "host": {"model", "trace"},
    "evaluate": {"model", "engine", "corpus", "trace"},
    "dap": {"model", "trace", "host"},
    "lsp": {"predict", "source", "model", "dap", "trace", "host"},
    "commands": {"lsp", "dap", "evaluate", "model", "corpus", "trace"},
    "train": {"engine", "formats", "analysis", "trace", "corpus"},
}

#: room -> the third-party packages it may import (import names)
THIRD_PARTY: dict[str, set[str]] = {
    "trace": set(),
    "analysis": set(),
    "corpus": set(),
    "engine": {"llama_cpp", "numpy"},
    "formats": set(),
    "convert": {"numpy", "gguf", "safetensors", "torch"},
    "model": set(),
    "source": {"tree_sitter", "tree_sitter_python"},
    "predict": set(),
    "host": set(),
    "evaluate": {"numpy", "matplotlib"},
    "dap": set(),
    "lsp": {"pygls", "lsprotocol"},
    "commands": set(),
    "train": {"torch", "transformers", "gguf", "numpy"},
}


def imports_of(path: Path) -> set[str]:
    """Every module a file imports, as written (absolute)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}: relative import"
            assert node.module is not None
            found.add(node.module)
    return found


def room_of(module: str) -> str | None:
    """``cwm_lsp.formats.generic`` -> ``formats``; None for the package itself."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def rooms_on_disk() -> list[str]:
    return sorted(p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file())


def test_every_room_on_disk_has_a_rule():
    assert set(rooms_on_disk()) <= set(ROOMS), "a new room needs its line in ROOMS"


@pytest.mark.parametrize("room", sorted(ROOMS))
def test_a_room_imports_only_the_rooms_and_packages_it_may(room: str):
    directory = PACKAGE / room
    if not directory.is_dir():
        pytest.skip(f"no room {room} yet")
    broken: list[str] = []
    for path in sorted(directory.rglob("*.py")):
        for module in imports_of(path):
            top = module.split(".")[0]
            where = path.relative_to(PACKAGE)
            if top == "cwm_lsp":
                target = room_of(module)  # None: the package (its version)
                if target not in (None, room) and target not in ROOMS[room]:
                    broken.append(f"{where}: imports {module}")
            elif top not in sys.stdlib_module_names and top not in THIRD_PARTY[room]:
                broken.append(f"{where}: imports third-party {module}")
    assert not broken, "\n".join(broken)


def test_only_the_engine_room_imports_llama_cpp():
    importers = {
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if any(m.split(".")[0] == "llama_cpp" for m in imports_of(path))
    }
    assert importers
    assert all(name.startswith("engine/") for name in importers), importers


def test_the_traced_child_script_imports_nothing_from_cwm_lsp():
    """``trace/_child.py`` runs alone in the child process, beside the user's code."""
    child = imports_of(PACKAGE / "trace" / "_child.py")
    assert not {m for m in child if m.startswith("cwm_lsp")}


def test_the_rule_catches_a_forbidden_import(tmp_path: Path):
    """The checker itself: an import of llama_cpp inside a function is found."""
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    import llama_cpp\n    from cwm_lsp.model.api import X\n")
    assert imports_of(sample) == {"llama_cpp", "cwm_lsp.model.api"}
    assert room_of("cwm_lsp.model.api") == "model"


def test_the_remote_engine_needs_no_local_llama_cpp():
    """``engine/remote*.py`` talks HTTP only (the standard library and numpy): an editor
    machine without a llama.cpp build can use a model a server hosts."""
    remote = sorted((PACKAGE / "engine").glob("remote*.py"))
    assert remote
    for path in remote:
        for module in imports_of(path):
            top = module.split(".")[0]
            allowed = top in sys.stdlib_module_names or top == "numpy"
            inside = module.startswith(("cwm_lsp.engine.protocol", "cwm_lsp.engine.remote"))
            assert allowed or inside, f"{path.name}: imports {module}"
