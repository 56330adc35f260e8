"""Helpers for driving the real server process with pytest-lsp."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities, make_test_lsp_client

REPO = Path(__file__).resolve().parents[2]
#: the real server, as an editor starts it
SERVER_COMMAND = [sys.executable, "-m", "cwm_lsp", "--stdio"]
#: the real server with a scripted model (plumbing tests)
SCRIPTED_SERVER_COMMAND = [sys.executable, str(Path(__file__).with_name("scripted_server.py"))]

T = TypeVar("T")


class CwmTestClient(LanguageClient):
    """pytest-lsp's client plus the server->client requests cwm sends."""

    inlay_hint_refreshes: int = 0
    code_lens_refreshes: int = 0
    statuses: list[dict[str, Any]]


def as_dict(value: Any) -> Any:
    """pygls hands custom messages over as named tuples; make them plain dicts."""
    if hasattr(value, "_asdict"):
        return {k: as_dict(v) for k, v in value._asdict().items()}
    if isinstance(value, dict):
        return {k: as_dict(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [as_dict(v) for v in value]
    return value


def make_client() -> LanguageClient:
    client = make_test_lsp_client()
    state: Any = client
    state.inlay_hint_refreshes = 0
    state.code_lens_refreshes = 0
    state.statuses = []

    @client.feature(types.WORKSPACE_INLAY_HINT_REFRESH)
    def inlay_hint_refresh(ls: Any, params: None) -> None:
        state.inlay_hint_refreshes += 1

    @client.feature(types.WORKSPACE_CODE_LENS_REFRESH)
    def code_lens_refresh(ls: Any, params: None) -> None:
        state.code_lens_refreshes += 1

    @client.feature("cwm/status")
    def status(ls: Any, params: Any) -> None:
        state.statuses.append(as_dict(params))

    return client


#: the real server process, with this checkout on its path, for ``@pytest_lsp.fixture(config=…)``
REAL_SERVER = ClientServerConfig(
    server_command=SERVER_COMMAND,
    client_factory=make_client,
    server_env={**os.environ, "PYTHONPATH": str(REPO)},
)


def init_params(
    profile: str, options: dict[str, Any] | None = None, root: Path | None = None
) -> types.InitializeParams:
    return types.InitializeParams(
        capabilities=client_capabilities(profile),
        initialization_options=options or {},
        root_uri=root.as_uri() if root else None,
        workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="ws")] if root else None,
    )


async def poll(
    fetch: Callable[[], Awaitable[T]], accept: Callable[[T], bool], timeout: float, what: str
) -> T:
    """Ask again until the answer is acceptable (editors re-ask on refresh or edit)."""
    deadline = time.monotonic() + timeout
    while True:
        answer = await fetch()
        if accept(answer):
            return answer
        if time.monotonic() > deadline:
            raise AssertionError(
                f"timed out after {timeout:.0f} s waiting for {what}; last answer: {answer!r}"
            )
        await asyncio.sleep(0.2)


def whole(lines: int = 10_000) -> types.Range:
    return types.Range(
        start=types.Position(line=0, character=0), end=types.Position(line=lines, character=0)
    )


def open_text(client: LanguageClient, uri: str, text: str, version: int = 1) -> None:
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="python", version=version, text=text
            )
        )
    )


def replace_text(client: LanguageClient, uri: str, text: str, version: int) -> None:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


def edit_lines(
    client: LanguageClient, uri: str, line: int, end_line: int, text: str, version: int
) -> None:
    """Replace whole lines [line, end_line) with ``text`` (an incremental change)."""
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(
                        start=types.Position(line=line, character=0),
                        end=types.Position(line=end_line, character=0),
                    ),
                    text=text,
                )
            ],
        )
    )


async def hints(
    client: LanguageClient, uri: str, rng: types.Range | None = None
) -> list[types.InlayHint]:
    return (
        await client.text_document_inlay_hint_async(
            types.InlayHintParams(
                text_document=types.TextDocumentIdentifier(uri=uri), range=rng or whole()
            )
        )
        or []
    )


async def command(client: LanguageClient, name: str, *args: Any) -> Any:
    return as_dict(
        await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command=name, arguments=list(args))
        )
    )


def labels(found: list[types.InlayHint]) -> dict[int, str]:
    out: dict[int, str] = {}
    for hint in found:
        label = hint.label if isinstance(hint.label, str) else "".join(p.value for p in hint.label)
        out[hint.position.line] = label
    return out
