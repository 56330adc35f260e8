"""The seam between the server and its features.

Each feature (the document lifecycle, inlay hints, hover, code lens, diagnostics,
code actions, commands) is a :class:`LanguageFeature`: it adds its handlers to
the pygls server in :meth:`~LanguageFeature.register`, and those handlers, which
pygls calls with the server as ``ls``, ask it only for what :class:`ServerContext`
lists: documents, predictions, settings, publishing.

No feature imports :mod:`cwm_lsp.lsp.server`.  That module is the one place that
wires them: :func:`cwm_lsp.lsp.server.create_server` adds each feature with one
``add_feature`` call (``tests/lsp/test_features.py`` keeps it so).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.workspace import Workspace

from cwm_lsp.lsp.choices import Choices
from cwm_lsp.lsp.documents import OpenDocument
from cwm_lsp.lsp.settings import Settings
from cwm_lsp.predict.service import PredictionService
from cwm_lsp.predict.status import ModelStatus
from cwm_lsp.source import FunctionInfo

if TYPE_CHECKING:
    from cwm_lsp.lsp.dap_endpoint import DapEndpoint

__all__ = ["LanguageFeature", "ServerContext"]


class ServerContext(Protocol):
    """What a feature may ask of the server: pygls hands it to every handler as ``ls``.

    Handlers answer at once: they read predictions from the cache and only ask
    for the missing ones (``service.ensure``, :meth:`schedule`), never wait for
    the model.
    """

    # -- settings and the session -----------------------------------------------------

    @property
    def settings(self) -> Settings:
        """The ``cwm`` settings in force."""
        ...

    #: False when the client says the workspace is untrusted: no user code is run
    trusted: bool

    def update_settings_from(self, data: Any) -> None:
        """Merge settings the client sent (reloads the model when its settings change)."""
        ...

    def bind_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        """The event loop the handlers run on; results from the model are posted to it."""
        ...

    def start_model(self) -> None:
        """Start loading the model (once the client is initialized)."""
        ...

    def shutdown_worker(self) -> None:
        """Stop the model worker, the analysis thread and the DAP endpoint."""
        ...

    @property
    def client_capabilities(self) -> types.ClientCapabilities: ...

    async def workspace_configuration_async(
        self, params: types.ConfigurationParams
    ) -> Sequence[Any | None]:
        """Ask the client for settings (``workspace/configuration``)."""
        ...

    # -- documents --------------------------------------------------------------------

    @property
    def workspace(self) -> Workspace:
        """pygls's copy of the client's documents (the text after each change)."""
        ...

    @property
    def documents(self) -> Mapping[str, OpenDocument]:
        """Every open document by uri, analysed or not."""
        ...

    def document(self, uri: str) -> OpenDocument | None:
        """The current version of an open document, once analysed."""
        ...

    def open_document(
        self, uri: str, version: int, text: str, active: Iterable[str] = ()
    ) -> OpenDocument:
        """A new version of a document (``active``: qualnames of the functions edited)."""
        ...

    def close_document(self, uri: str) -> None: ...

    # -- predictions ------------------------------------------------------------------

    @property
    def service(self) -> PredictionService:
        """The prediction cache and queue: read results, ask for missing ones."""
        ...

    def model_identity(self) -> str:
        """The configured model's part of every prediction key."""
        ...

    def model_status(self) -> ModelStatus: ...

    def worker_accepts_jobs(self) -> bool:
        """False while the model is broken: asking for predictions would only fail."""
        ...

    def schedule(self, doc: OpenDocument, active: Iterable[FunctionInfo] = ()) -> None:
        """Say which predictions ``doc`` wants, ``active`` functions first."""
        ...

    @property
    def choices(self) -> Choices:
        """The user's inputs, samples and real runs per function (the commands set them)."""
        ...

    def dap_endpoint(self) -> DapEndpoint:
        """The server's private DAP endpoint (made on first use)."""
        ...

    # -- publishing -------------------------------------------------------------------

    def request_refresh(self) -> None:
        """Soon: publish again and ask the client to refresh hints and lenses."""
        ...

    def text_document_publish_diagnostics(self, params: types.PublishDiagnosticsParams) -> None: ...


class LanguageFeature:
    """One feature of the server, added to it by ``server.add_feature(feature)``.

    A subclass adds its handlers in :meth:`register` (``@server.feature(...)``,
    ``@server.command(...)``, first parameter ``ls: ServerContext``), and a
    feature that pushes to the client rather than being asked overrides
    :meth:`publish`.
    """

    def register(self, server: LanguageServer) -> None:
        """Add this feature's handlers to the server."""

    def publish(self, ls: ServerContext, doc: OpenDocument) -> None:
        """Push this feature's view of ``doc`` to the client.

        Called when a new version of ``doc`` has been analysed and when
        predictions arrive; features the client asks for do nothing here.
        """
