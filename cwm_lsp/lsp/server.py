"""The cwm language server: the state its features share (as the
:class:`~cwm_lsp.lsp.feature.ServerContext` they see), and their wiring.

Request handlers answer from the cache at once and never wait for the model;
predictions run on the model worker, and when results arrive the server asks
the client to refresh hints and lenses and the features publish (diagnostics).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from pygls.lsp.server import LanguageServer

from cwm_lsp import __version__
from cwm_lsp.lsp.choices import Choices
from cwm_lsp.lsp.code_actions import CodeActions
from cwm_lsp.lsp.code_lens import CodeLens
from cwm_lsp.lsp.commands import Commands
from cwm_lsp.lsp.diagnostics import Diagnostics
from cwm_lsp.lsp.documents import OpenDocument, PlanOptions, predictable
from cwm_lsp.lsp.feature import LanguageFeature
from cwm_lsp.lsp.hover import Hover
from cwm_lsp.lsp.inlay_hints import InlayHints
from cwm_lsp.lsp.lifecycle import Lifecycle
from cwm_lsp.lsp.protocol import CwmProtocol
from cwm_lsp.lsp.settings import Settings, parse_settings
from cwm_lsp.lsp.status import StatusReporter
from cwm_lsp.predict.keys import FillKey, PredictionKey
from cwm_lsp.predict.loading import load_world_model, model_identity
from cwm_lsp.predict.queue import Priority
from cwm_lsp.predict.service import PredictionService
from cwm_lsp.predict.status import ModelStatus
from cwm_lsp.predict.worker import Loader, ModelWorker
from cwm_lsp.source import FunctionInfo, PythonDocument

if TYPE_CHECKING:
    from cwm_lsp.lsp.dap_endpoint import DapEndpoint

log = logging.getLogger(__name__)

#: functions of one document predicted in the background; the rest when visible
BACKGROUND_LIMIT = 300
#: results arriving within this many seconds share one refresh
REFRESH_DELAY = 0.05
#: files with more lines than this are analysed on a thread
SYNC_ANALYSIS_LINES = 3000


class CwmLanguageServer(LanguageServer):
    """A :class:`~cwm_lsp.lsp.feature.ServerContext`: what its features may ask of it."""

    def __init__(self, loader: Loader = load_world_model) -> None:
        super().__init__("cwm-lsp", __version__, protocol_cls=CwmProtocol)
        self.features: list[LanguageFeature] = []
        self.settings = Settings()
        self.trusted = True
        self.loop: asyncio.AbstractEventLoop | None = None
        self.reporter = StatusReporter(self, self.model_status)
        self.worker = ModelWorker(loader, on_status=self._status_from_worker)
        self.service = PredictionService(self.worker, on_result=self._result_from_worker)
        self.documents: dict[str, OpenDocument] = {}
        self.choices = Choices()
        self._dap: DapEndpoint | None = None
        self._analysis = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cwm-analysis")
        self._dirty = False
        self._refresh_handle: asyncio.TimerHandle | None = None
        self._started = False
        self._identity: tuple[object, str] | None = None
        self._last_state = "loading"

    def add_feature(self, feature: LanguageFeature) -> None:
        feature.register(self)
        self.features.append(feature)

    # -- lifecycle --------------------------------------------------------------------------

    def bind_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop

    def start_model(self) -> None:
        if self.loop is None:
            self.loop = asyncio.get_running_loop()
        if not self._started:
            self._started = True
            self.worker.start(self.settings.model_config())

    def apply_settings(self, settings: Settings) -> None:
        old, self.settings = self.settings, settings
        if not self._started:
            return
        if old.model_config() != settings.model_config():
            log.info("model settings changed: reloading")
            self.worker.load(settings.model_config())
        if old != settings:
            self.reschedule_all()
            self.request_refresh()

    def update_settings_from(self, data: Any) -> None:
        self.apply_settings(parse_settings(data, self.settings))

    def shutdown_worker(self) -> None:
        self._analysis.shutdown(wait=False, cancel_futures=True)
        self.worker.stop()
        if self._dap is not None:
            self._dap.close()

    def dap_endpoint(self) -> DapEndpoint:
        from cwm_lsp.lsp.dap_endpoint import DapEndpoint

        if self._dap is None:
            self._dap = DapEndpoint(self.worker)
        return self._dap

    # -- documents --------------------------------------------------------------------------

    def model_identity(self) -> str:
        """The identity of the configured model (cached per model config)."""
        config = self.settings.model_config()
        if self._identity is None or self._identity[0] != config:
            self._identity = (config, model_identity(config))
        return self._identity[1]

    def options_for(self, uri: str) -> PlanOptions:
        p = self.settings.prediction
        return PlanOptions(
            model=self.model_identity(),
            temperature=p.temperature,
            max_frames=p.max_frames,
            inputs=tuple(sorted(self.choices.inputs.get(uri, {}).items())),
            samples=tuple(sorted(self.choices.samples.get(uri, {}).items())),
        )

    def open_document(
        self, uri: str, version: int, text: str, active: Iterable[str] = ()
    ) -> OpenDocument:
        """A new version of a document: analyse it, say what it wants, publish diagnostics.

        Big files are analysed on a thread, so the server keeps answering
        (requests get empty answers until the analysis is done, then a refresh).
        """
        doc = OpenDocument(uri=uri, version=version, text=text)
        doc.neighbours = lambda: self._neighbours(uri)
        doc.set_options(self.options_for(uri))
        for other in self.documents.values():
            if other.uri != uri:
                other.forget_borrowed_plans()
        self.documents[uri] = doc
        active_names = set(active)
        if text.count("\n") <= SYNC_ANALYSIS_LINES:
            self._analysed(doc, active_names)
            return doc
        doc.ready = False
        loop = self.loop or asyncio.get_running_loop()
        future = self._analysis.submit(doc.analyse, BACKGROUND_LIMIT)
        future.add_done_callback(
            lambda f: loop.call_soon_threadsafe(self._analysis_finished, doc, active_names, f)
        )
        return doc

    def _analysis_finished(self, doc: OpenDocument, active: set[str], future: Future[None]) -> None:
        exc = future.exception()
        if exc is not None:
            log.warning("analysing %s failed: %r", doc.uri, exc)
            doc.mark_unanalysable()
        doc.ready = True
        if self.documents.get(doc.uri) is doc:
            self._analysed(doc, active)
            self.request_refresh()

    def _analysed(self, doc: OpenDocument, active: set[str]) -> None:
        self.schedule(doc, [f for f in doc.functions() if f.qualname in active])
        self._publish(doc)

    def _publish(self, doc: OpenDocument) -> None:
        for feature in self.features:
            feature.publish(self, doc)

    def _neighbours(self, uri: str) -> list[PythonDocument]:
        """The parsed other open documents (for call sites in other files)."""
        return [d.doc for d in list(self.documents.values()) if d.uri != uri and d.ready]

    def document(self, uri: str) -> OpenDocument | None:
        """The current version of an open document, once analysed."""
        doc = self.documents.get(uri)
        if doc is None or not doc.ready:
            return None
        doc.set_options(self.options_for(uri))
        return doc

    def close_document(self, uri: str) -> None:
        self.documents.pop(uri, None)
        self.service.drop_owner(uri)

    def schedule(self, doc: OpenDocument, active: Iterable[FunctionInfo] = ()) -> None:
        """Say which predictions this document wants; queue the missing ones."""
        functions = [f for f in doc.functions() if predictable(f)]
        active_names = {f.qualname for f in active}
        ordered = [f for f in functions if f.qualname in active_names]
        ordered += [f for f in functions if f.qualname not in active_names][:BACKGROUND_LIMIT]
        plans = [(doc.plan(f), f.qualname in active_names) for f in ordered]
        wanted: set[PredictionKey | FillKey] = {plan.key for plan, _ in plans}
        if self.settings.features.code_actions and "??" in doc.text:
            model = self.model_identity()
            wanted.update(doc.fill_key(hole, model) for hole in doc.holes())
        self.service.set_wanted(doc.uri, wanted)
        if not self.worker_accepts_jobs():
            return
        for plan, is_active in plans:
            self.service.ensure(plan.key, Priority.ACTIVE if is_active else Priority.BACKGROUND)

    def model_status(self) -> ModelStatus:
        return self.worker.status

    def worker_accepts_jobs(self) -> bool:
        return self.worker.status.state != "error"

    def reschedule_all(self) -> None:
        for uri in list(self.documents):
            doc = self.document(uri)
            if doc is not None:
                self.schedule(doc)

    # -- results and refreshes --------------------------------------------------------------

    def _result_from_worker(self, key: PredictionKey | FillKey) -> None:
        loop = self.loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self.request_refresh)

    def _status_from_worker(self, status: ModelStatus) -> None:
        loop = self.loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._status_changed, status)

    def _status_changed(self, status: ModelStatus) -> None:
        previous, self._last_state = self._last_state, status.state
        self.reporter.update(status)
        if status.state == "ready" and previous in ("loading", "error"):
            # a (re)load finished: predictions that failed for want of a model go again
            self.reschedule_all()
            self.request_refresh()

    def request_refresh(self) -> None:
        """Coalesce refreshes: hints, lenses and diagnostics once per burst of results."""
        self._dirty = True
        if self._refresh_handle is None and self.loop is not None:
            self._refresh_handle = self.loop.call_later(REFRESH_DELAY, self._refresh)

    def _refresh(self) -> None:
        self._refresh_handle = None
        if not self._dirty:
            return
        self._dirty = False
        try:
            for uri in list(self.documents):
                doc = self.document(uri)
                if doc is not None:
                    self._publish(doc)
            caps = self.client_capabilities.workspace
            if caps and caps.inlay_hint and caps.inlay_hint.refresh_support:
                self.workspace_inlay_hint_refresh(None)
            if caps and caps.code_lens and caps.code_lens.refresh_support:
                self.workspace_code_lens_refresh(None)
        except Exception:
            log.exception("refresh failed")

    def report_server_error(self, error: Exception, source: Any) -> None:
        log.error("server error (%s): %s", getattr(source, "__name__", source), error)


def create_server(loader: Loader = load_world_model) -> CwmLanguageServer:
    """The server with every feature: the one place they are wired, one call each."""
    server = CwmLanguageServer(loader)
    server.add_feature(Lifecycle())
    server.add_feature(InlayHints())
    server.add_feature(Hover())
    server.add_feature(CodeLens())
    server.add_feature(Diagnostics())
    server.add_feature(CodeActions())
    server.add_feature(Commands())
    return server
