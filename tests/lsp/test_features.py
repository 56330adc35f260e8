"""The server and its features meet at one seam, ``cwm_lsp/lsp/feature.py``.

A feature is a ``LanguageFeature``: it registers its handlers, and they ask the
server only for what ``ServerContext`` lists.  No feature module imports
``cwm_lsp.lsp.server``; ``create_server`` in that module is the one place the
features are added, one call each.  (Before, every feature imported the
concrete server and the server imported every feature: a circle of 9 files.)
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import cwm_lsp.lsp
from cwm_lsp.lsp.feature import LanguageFeature, ServerContext
from cwm_lsp.lsp.server import CwmLanguageServer, create_server

PACKAGE = "cwm_lsp.lsp"
LSP_DIR = Path(cwm_lsp.lsp.__file__).parent
#: the wiring: the server module and the package that re-exports it
WIRING = {"server.py", "__init__.py"}


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, anywhere in it (``TYPE_CHECKING`` blocks too).

    ``from cwm_lsp.lsp import server`` counts as importing ``cwm_lsp.lsp.server``,
    and relative imports are resolved against this package.
    """
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = PACKAGE.rsplit(".", node.level - 1)[0] if node.level > 1 else PACKAGE
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def feature_modules() -> list[Path]:
    return sorted(p for p in LSP_DIR.glob("*.py") if p.name not in WIRING)


def test_the_import_check_sees_each_way_of_importing_the_server(tmp_path: Path) -> None:
    spellings = [
        "import cwm_lsp.lsp.server",
        "from cwm_lsp.lsp.server import CwmLanguageServer",
        "from cwm_lsp.lsp import server",
        "from . import server",
        "from .server import create_server",
        "if TYPE_CHECKING:\n    from cwm_lsp.lsp.server import CwmLanguageServer",
    ]
    for text in spellings:
        path = tmp_path / "probe.py"
        path.write_text(text + "\n", encoding="utf-8")
        assert f"{PACKAGE}.server" in imported_modules(path), text


def test_no_feature_module_imports_the_server() -> None:
    importers = [
        path.name for path in feature_modules() if f"{PACKAGE}.server" in imported_modules(path)
    ]
    assert importers == [], (
        "features reach the server through cwm_lsp.lsp.feature.ServerContext "
        "(pygls passes it to each handler as `ls`); only server.py wires them"
    )


def asked_of_ls(path: Path) -> set[str]:
    """The names a module reads or sets on ``ls`` (the server, in a handler)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    return {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "ls"
    }


def test_the_server_context_is_what_the_features_use_and_no_more() -> None:
    # mypy checks that features ask for nothing outside ServerContext (and that the
    # server provides it all); this checks that ServerContext holds nothing unused
    members = {name for name in vars(ServerContext) if not name.startswith("_")}
    members |= set(ServerContext.__annotations__)
    used = set().union(*(asked_of_ls(path) for path in feature_modules()))
    assert sorted(members - used) == []
    assert sorted(used - members) == []


def features_defined() -> set[type[LanguageFeature]]:
    """Every ``LanguageFeature`` subclass in the package."""
    for info in pkgutil.iter_modules([str(LSP_DIR)]):
        importlib.import_module(f"{PACKAGE}.{info.name}")

    def below(cls: type[LanguageFeature]) -> Iterator[type[LanguageFeature]]:
        for sub in cls.__subclasses__():
            yield sub
            yield from below(sub)

    return {cls for cls in below(LanguageFeature) if cls.__module__.startswith(PACKAGE)}


def never_loads(*args: Any) -> Any:
    raise AssertionError("these tests never start the model")


@pytest.fixture
def server() -> Iterator[CwmLanguageServer]:
    made = create_server(loader=never_loads)
    yield made
    made.shutdown_worker()


def test_create_server_adds_every_feature_once(server: CwmLanguageServer) -> None:
    added = [type(feature) for feature in server.features]
    assert sorted(added, key=lambda cls: cls.__name__) == sorted(
        features_defined(), key=lambda cls: cls.__name__
    )


def handlers(server: CwmLanguageServer) -> dict[str, Any]:
    fm = server.protocol.fm
    return {**fm.features, **fm.commands}


def test_the_server_answers_these_methods_and_commands(server: CwmLanguageServer) -> None:
    fm = server.protocol.fm
    assert sorted(fm.features) == [
        "initialize",
        "initialized",
        "inlayHint/resolve",
        "shutdown",
        "textDocument/codeAction",
        "textDocument/codeLens",
        "textDocument/didChange",
        "textDocument/didClose",
        "textDocument/didOpen",
        "textDocument/hover",
        "textDocument/inlayHint",
        "workspace/didChangeConfiguration",
    ]
    assert sorted(fm.commands) == [
        "cwm.dapEndpoint",
        "cwm.modelStatus",
        "cwm.runAndCompare",
        "cwm.simulateAgain",
        "cwm.simulateAtCursor",
        "cwm.simulateWithInputs",
        "cwm.stats",
    ]


def test_every_handler_is_handed_the_server_as_ls(server: CwmLanguageServer) -> None:
    # pygls binds the server to a handler whose first parameter is named `ls` (the
    # binding keeps the handler as `.func`); any other handler is called without it
    def first_parameter(fn: Any) -> str | None:
        own = getattr(fn, "func", None)
        return next(iter(inspect.signature(own).parameters)) if own is not None else None

    firsts = {name: first_parameter(fn) for name, fn in handlers(server).items()}
    assert {name: first for name, first in firsts.items() if first != "ls"} == {}


def test_only_handlers_that_wait_are_async(server: CwmLanguageServer) -> None:
    # the rest answer from the cache at once; these await the client, a real run, a socket
    waiting = {name for name, fn in handlers(server).items() if inspect.iscoroutinefunction(fn)}
    assert waiting == {"workspace/didChangeConfiguration", "cwm.runAndCompare", "cwm.dapEndpoint"}
