"""The JSON-RPC rules pygls 2.1 leaves out: every request is answered, even a bad one.

pygls drops a request it cannot read (params of the wrong shape, a method
that is not a string, no ``"jsonrpc": "2.0"``) without a word, answers
requests sent before ``initialize`` as if initialized, and ignores requests
after ``shutdown``; a client then waits for ever.  :class:`CwmProtocol`
answers each of them with the error the specifications name:

* a request that cannot be read: ``InvalidParams`` (-32602) when only its
  params are wrong, else ``InvalidRequest`` (-32600), with its id when the id
  is an integer or a string (LSP's ``integer | string``), else id ``null``;
* before ``initialize``: ``ServerNotInitialized`` (-32002); notifications
  other than ``exit`` are dropped (LSP 3.17, *Initialize Request*);
* after ``shutdown``: ``InvalidRequest`` (LSP 3.17, *Shutdown Request*).

Two rules of the text itself, where pygls differs from LSP:

* positions count UTF-16 code units, as every feature does
  (:mod:`cwm_lsp.source.positions`): the server always chooses ``utf-16``,
  the encoding every client supports, even when a client lists ``utf-8`` or
  ``utf-32`` first (Neovim, Emacs), where pygls would take the client's first;
* ``didChange`` is applied with LSP's line breaks (``\\n``, ``\\r\\n``,
  ``\\r``) and clamping (:meth:`~cwm_lsp.source.positions.LineIndex.from_lsp`);
  pygls splits lines with ``str.splitlines``, which also breaks at a form
  feed, U+2028 and other characters, so an edit after one landed elsewhere
  than in the editor.

Bodies that are not JSON (or not UTF-8) carry no id to answer: they are
logged and skipped, and the next message is read as usual.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from lsprotocol import types
from pygls.exceptions import (
    JsonRpcException,
    JsonRpcInvalidParams,
    JsonRpcInvalidRequest,
    JsonRpcServerNotInitialized,
)
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method

from cwm_lsp.source.positions import LineIndex

log = logging.getLogger(__name__)

JSONRPC_VERSION = "2.0"


@dataclass
class UnreadableRequest:
    """A request pygls could not turn into a message: what to answer it with."""

    id: str | int | None
    method: Any
    error: JsonRpcException


#: a message to drop without an answer (a notification that cannot be read)
IGNORED = object()


def _answerable_id(value: Any) -> str | int | None:
    """The id to answer with: the request's own when it is an integer or a string."""
    if isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    return None


def _has(message: Any, name: str) -> bool:
    return name in message if isinstance(message, dict) else hasattr(message, name)


def _field(message: Any, name: str) -> Any:
    return message.get(name) if isinstance(message, dict) else getattr(message, name, None)


class CwmProtocol(LanguageServerProtocol):
    """pygls's protocol, answering the requests it would otherwise drop."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._initialize_seen = False

    def structure_message(self, data: dict[str, Any]) -> Any:
        # json.loads calls this for every object, innermost first; only an envelope
        # (with "jsonrpc") is structured, so only an envelope can fail here
        if "jsonrpc" in data and "method" in data:
            valid_id = "id" not in data or _answerable_id(data["id"]) is not None
            if not isinstance(data["method"], str) or not valid_id:
                # LSP ids are integers or strings (pygls passes any id through), and pygls
                # fails on a method that is no string
                if "id" not in data:
                    return IGNORED
                refusal = JsonRpcInvalidRequest(message="not a valid JSON-RPC 2.0 request")
                return UnreadableRequest(_answerable_id(data["id"]), data["method"], refusal)
        try:
            return super().structure_message(data)
        except Exception:
            if "method" not in data:
                raise  # a response: nothing to answer
            if "params" not in data:
                # params may be left out (JSON-RPC 2.0, 4.2); pygls's fallback types need them
                with contextlib.suppress(Exception):
                    return super().structure_message({**data, "params": None})
            if "id" not in data:
                raise  # a notification: nothing to answer
            request_id = _answerable_id(data["id"])
            readable = (
                request_id is not None
                and isinstance(data.get("method"), str)
                and data.get("jsonrpc") == JSONRPC_VERSION
            )
            error: JsonRpcException = (
                JsonRpcInvalidParams(message=f"invalid params for {data['method']}")
                if readable
                else JsonRpcInvalidRequest(message="not a valid JSON-RPC 2.0 request")
            )
            return UnreadableRequest(request_id, data["method"], error)

    def handle_message(self, message: Any) -> None:
        if message is IGNORED:
            log.warning("ignored a notification whose method is not a string")
            return
        if isinstance(message, UnreadableRequest):
            if not self._initialize_seen and message.method != types.INITIALIZE:
                message.error = JsonRpcServerNotInitialized(
                    message="the server is not initialized yet"
                )
            elif self._shutdown:
                message.error = JsonRpcInvalidRequest(message="the server is shutting down")
            self._refuse(message.id, message.error)
            return
        if _field(message, "jsonrpc") != JSONRPC_VERSION:
            # no "jsonrpc": "2.0" (pygls hands such an object over as a plain dict)
            if _has(message, "method") and _has(message, "id"):
                self._refuse(
                    _answerable_id(_field(message, "id")),
                    JsonRpcInvalidRequest(message="not a JSON-RPC 2.0 request"),
                )
            else:
                log.warning("ignored a message that is not JSON-RPC 2.0: %.200r", message)
            return
        method = getattr(message, "method", None)
        is_request = method is not None and hasattr(message, "id")
        if method == types.INITIALIZE and is_request:
            self._initialize_seen = True
        elif method is not None and method != types.EXIT and not self._initialize_seen:
            if is_request:
                self._refuse(
                    message.id,
                    JsonRpcServerNotInitialized(message="the server is not initialized yet"),
                )
            return  # a notification before initialize is dropped
        elif is_request and self._shutdown:
            self._refuse(message.id, JsonRpcInvalidRequest(message="the server is shutting down"))
            return
        super().handle_message(message)

    @lsp_method(types.INITIALIZE)
    def lsp_initialize(self, params: types.InitializeParams) -> Generator[Any, Any, Any]:
        general = params.capabilities.general
        if general is not None and general.position_encodings:
            general.position_encodings = [types.PositionEncodingKind.Utf16]
        return (yield from super().lsp_initialize(params))

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(
        self, params: types.DidChangeTextDocumentParams
    ) -> Generator[Any, Any, None]:
        document = self.workspace.text_documents.get(unquote(params.text_document.uri))
        if document is None:
            log.warning("didChange for a document that is not open: %s", params.text_document.uri)
            return
        document.apply_change(
            types.TextDocumentContentChangeWholeDocument(
                text=apply_changes(document.source, params.content_changes)
            )
        )
        document.version = params.text_document.version
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CHANGE)) is not None:
            yield handler, (params,), None

    def _refuse(self, request_id: str | int | None, error: JsonRpcException) -> None:
        if request_id is None:
            # pygls's converter leaves a None id out; JSON-RPC wants "id": null
            self._send_data(
                {
                    "jsonrpc": JSONRPC_VERSION,
                    "id": None,
                    "error": {"code": error.code, "message": error.message},
                }
            )
            return
        self._send_response(request_id, None, error.to_response_error())


def apply_changes(text: str, changes: Sequence[types.TextDocumentContentChangeEvent]) -> str:
    """``text`` after ``changes``, in order, as LSP defines them (UTF-16 positions)."""
    for change in changes:
        if isinstance(change, types.TextDocumentContentChangePartial):
            index = LineIndex(text)
            start = index.from_lsp(change.range.start.line, change.range.start.character)
            end = index.from_lsp(change.range.end.line, change.range.end.character)
            text = text[:start] + change.text + text[max(start, end) :]
        else:
            text = change.text
    return text
