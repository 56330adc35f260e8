"""Serving one DAP connection: read framed requests, dispatch, clean up at the end."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from cwm_lsp.dap.adapter import DebugAdapter
from cwm_lsp.dap.connection import DapConnection
from cwm_lsp.dap.framing import FramingError, read_message
from cwm_lsp.dap.imagined import ModelExecutor
from cwm_lsp.dap.models import LoadedModels, ModelSource

log = logging.getLogger(__name__)


async def serve_connection(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    executor: ModelExecutor,
    models: ModelSource | None = None,
) -> None:
    """Serve DAP until ``disconnect`` or end of stream; then end every session and process.

    ``executor.submit(fn)`` runs ``fn`` on the model thread.  ``models``
    returns the WorldModel for a launch's ``model`` path (called on that
    thread); by default each path is loaded once for this connection.
    """
    own_models = LoadedModels() if models is None else None
    source: ModelSource = own_models if own_models is not None else models  # type: ignore[assignment]
    connection = DapConnection(writer)
    adapter = DebugAdapter(connection, executor, source)
    try:
        while not adapter.finished.is_set():
            read = asyncio.ensure_future(read_message(reader))
            finished = asyncio.ensure_future(adapter.finished.wait())
            done, _ = await asyncio.wait([read, finished], return_when=asyncio.FIRST_COMPLETED)
            finished.cancel()
            if read not in done:
                read.cancel()
                break
            try:
                message = read.result()
            except FramingError as exc:
                log.warning("ignored a malformed message: %s", exc)
                await connection.output(
                    f"cwm-lsp dap: ignored a malformed message ({exc})", "stderr"
                )
                continue
            except (asyncio.IncompleteReadError, ConnectionError, OSError):
                log.info("client went away mid-message")
                break
            if message is None:
                log.info("client closed the connection")
                break
            if message.get("type") != "request":
                continue
            adapter.spawn(adapter.handle(message))
    finally:
        await adapter.shutdown()
        if own_models is not None:
            with contextlib.suppress(Exception):
                await asyncio.wrap_future(executor.submit(own_models.close))
        connection.closed = True
        with contextlib.suppress(Exception):
            writer.close()
