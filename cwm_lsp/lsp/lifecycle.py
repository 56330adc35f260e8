"""initialize, settings, and the document lifecycle (open, change, close)."""

from __future__ import annotations

import asyncio
import logging

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from cwm_lsp.lsp.feature import LanguageFeature, ServerContext
from cwm_lsp.lsp.guard import guarded
from cwm_lsp.lsp.settings import unwrap
from cwm_lsp.source import FunctionInfo

log = logging.getLogger(__name__)


def _changed_functions(
    ls: ServerContext, uri: str, changes: list[types.TextDocumentContentChangeEvent]
) -> list[FunctionInfo]:
    doc = ls.document(uri)
    if doc is None:
        return []
    lines: set[int] = set()
    for change in changes:
        if isinstance(change, types.TextDocumentContentChangePartial):
            lines.add(change.range.start.line)
            lines.add(change.range.end.line + change.text.count("\n"))
    found: dict[str, FunctionInfo] = {}
    for line in lines:
        func = doc.function_at(line)
        if func is not None:
            found[func.qualname] = func
    return list(found.values())


class Lifecycle(LanguageFeature):
    """initialize, settings and the document lifecycle."""

    def register(self, server: LanguageServer) -> None:
        @server.feature(types.INITIALIZE)
        @guarded()
        def initialize(ls: ServerContext, params: types.InitializeParams) -> None:
            ls.bind_loop(asyncio.get_running_loop())
            options = params.initialization_options
            if isinstance(options, dict):
                ls.update_settings_from(options)  # before the model starts: no reload
                if options.get("trusted") is False:
                    ls.trusted = False

        @server.feature(types.INITIALIZED)
        @guarded()
        def initialized(ls: ServerContext, params: types.InitializedParams) -> None:
            ls.start_model()

        @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
        @guarded()
        async def did_change_configuration(
            ls: ServerContext, params: types.DidChangeConfigurationParams
        ) -> None:
            settings = params.settings
            if unwrap(settings) is None:
                caps = ls.client_capabilities.workspace
                if not (caps and caps.configuration):
                    return
                result = await ls.workspace_configuration_async(
                    types.ConfigurationParams(items=[types.ConfigurationItem(section="cwm")])
                )
                settings = {"cwm": result[0]} if result else None
            if unwrap(settings) is not None:
                ls.update_settings_from(settings)

        @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
        @guarded()
        def did_open(ls: ServerContext, params: types.DidOpenTextDocumentParams) -> None:
            item = params.text_document
            ls.open_document(item.uri, item.version, item.text)

        @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
        @guarded()
        def did_change(ls: ServerContext, params: types.DidChangeTextDocumentParams) -> None:
            uri = params.text_document.uri
            active_before = _changed_functions(ls, uri, list(params.content_changes))
            text_doc = ls.workspace.get_text_document(uri)
            ls.open_document(
                uri,
                params.text_document.version,
                text_doc.source,
                (f.qualname for f in active_before),
            )

        @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
        @guarded()
        def did_close(ls: ServerContext, params: types.DidCloseTextDocumentParams) -> None:
            ls.close_document(params.text_document.uri)

        @server.feature(types.SHUTDOWN)
        @guarded()
        def shutdown(ls: ServerContext, params: None) -> None:
            ls.shutdown_worker()
