"""The model's status, told to the client: work-done progress while loading,
``cwm/status`` notifications, and one error message when the model is broken."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from cwm_lsp.predict.status import ModelStatus

log = logging.getLogger(__name__)

STATUS_NOTIFICATION = "cwm/status"
#: progress reports closer together than this are skipped (the last one is always sent)
MIN_REPORT_INTERVAL = 0.25


class StatusReporter:
    """Runs on the event loop thread; the worker's status changes are posted to it.

    ``current`` reads the worker's latest status (progress moves on while a
    work-done progress is being created).
    """

    def __init__(self, server: LanguageServer, current: Callable[[], ModelStatus]) -> None:
        self._server = server
        self._current = current
        self._token: str | None = None
        self._progress_open = False
        self._last_sent: ModelStatus | None = None
        self._last_report = 0.0
        self._errors_shown: set[str] = set()

    def update(self, status: ModelStatus) -> None:
        try:
            self._progress(status)
            self._notify(status)
            if status.state == "error":
                self._show_error(status.message)
        except Exception:
            log.exception("reporting the model status failed")

    def _supports_progress(self) -> bool:
        caps = self._server.client_capabilities
        return bool(caps.window and caps.window.work_done_progress)

    def _progress(self, status: ModelStatus) -> None:
        if not self._supports_progress():
            return
        progress = self._server.work_done_progress
        if status.state == "loading" and self._token is None:
            token = f"cwm-load-{uuid.uuid4().hex[:8]}"
            self._token = token

            def created(*_: object) -> None:
                if self._token != token:
                    return
                self._progress_open = True
                progress.begin(
                    token,
                    types.WorkDoneProgressBegin(
                        title="cwm: loading model",
                        message=status.message,
                        percentage=0,
                        cancellable=False,
                    ),
                )
                self._report_current()

            # never awaited or cancelled (pygls 2.1.1 cannot cancel around a client reply)
            progress.create(token, callback=created)
        elif status.state == "loading" and self._progress_open and self._token is not None:
            now = time.monotonic()
            if now - self._last_report >= MIN_REPORT_INTERVAL:
                self._last_report = now
                self._report_current()
        elif status.state != "loading" and self._token is not None:
            if self._progress_open:
                message = "ready" if status.state != "error" else status.message
                progress.end(self._token, types.WorkDoneProgressEnd(message=message))
            self._token = None
            self._progress_open = False

    def _report_current(self) -> None:
        status = self._current()
        if self._token is None or not self._progress_open or status.state != "loading":
            return
        self._server.work_done_progress.report(
            self._token,
            types.WorkDoneProgressReport(
                message=status.message, percentage=int(status.progress * 100)
            ),
        )

    def _notify(self, status: ModelStatus) -> None:
        last = self._last_sent
        # progress ticks go through work-done progress; send cwm/status sparingly
        if (
            last is not None
            and status.state == last.state == "loading"
            and status.progress - last.progress < 0.1
            and status.progress < 1.0
        ):
            return
        self._last_sent = status
        self._server.protocol.notify(STATUS_NOTIFICATION, status.to_json())

    def _show_error(self, message: str) -> None:
        if message in self._errors_shown:
            return
        self._errors_shown.add(message)
        self._server.window_show_message(
            types.ShowMessageParams(type=types.MessageType.Error, message=f"cwm: {message}")
        )
