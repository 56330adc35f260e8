"""The server's private DAP endpoint (``cwm.dapEndpoint``).

A debug adapter hosted in the language server shares its model worker.  The
endpoint is a unix socket in a fresh 0700 directory (loopback TCP where unix
sockets are missing); a client proves it was told the endpoint by sending the
one-time token as its first line (``token\\r\\n``), then speaks DAP.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import inspect
import logging
import os
import secrets
import shutil
import socket
import tempfile
import threading
from typing import Any

from cwm_lsp.model.api import ModelConfig, Progress, WorldModel
from cwm_lsp.predict.executor import ModelExecutor
from cwm_lsp.predict.worker import ModelUnavailable, ModelWorker

log = logging.getLogger(__name__)

TOKEN_TIMEOUT = 10.0


class ServerModels:
    """The DAP room's ModelSource in the server: lend the server's model.

    A launch that names no model, or the server's model file, gets the loaded
    model (no second copy); another path is loaded once and kept.  Called on
    the model thread.
    """

    def __init__(self, worker: ModelWorker) -> None:
        self._worker = worker
        self._others: dict[str, WorldModel] = {}

    def __call__(self, path: str | None, progress: Progress) -> WorldModel:
        model = self._worker.model
        if not path or (
            model is not None and os.path.realpath(path) == os.path.realpath(model.info.path)
        ):
            if model is None:
                raise ModelUnavailable(self._worker.load_error or "no model loaded")
            return model
        if path not in self._others:
            from cwm_lsp.predict.loading import load_world_model

            self._others[path] = load_world_model(ModelConfig(path=path), progress)
        return self._others[path]

    def close(self) -> None:
        for model in self._others.values():
            model.close()
        self._others.clear()


async def _serve_dap(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    executor: ModelExecutor,
    models: ServerModels,
) -> None:
    """Hand one authenticated connection to the DAP room's adapter."""
    try:
        import cwm_lsp.dap as dap
    except ImportError as exc:
        raise RuntimeError(f"the debug adapter is not available: {exc}") from exc
    serve = getattr(dap, "serve_connection", None)
    if serve is not None:
        takes_models = len(inspect.signature(serve).parameters) >= 4
        result = (
            serve(reader, writer, executor, models)
            if takes_models
            else serve(reader, writer, executor)
        )
        if inspect.isawaitable(result):
            await result
        return
    from cwm_lsp.dap import adapter  # type: ignore[attr-defined]

    run_adapter = getattr(adapter, "run_adapter")  # noqa: B009 - the DAP room may not have it yet
    if inspect.iscoroutinefunction(run_adapter):
        await run_adapter(reader, writer, executor)
        return
    # a blocking adapter: give it the socket as binary files, on its own thread
    sock: socket.socket = writer.get_extra_info("socket")
    blocking = socket.socket(fileno=os.dup(sock.fileno()))
    blocking.setblocking(True)
    done = asyncio.get_running_loop().create_future()

    def run() -> None:
        with blocking, blocking.makefile("rb") as rfile, blocking.makefile("wb") as wfile:
            try:
                run_adapter(rfile, wfile, executor)
            finally:
                with contextlib.suppress(RuntimeError):
                    done.get_loop().call_soon_threadsafe(done.set_result, None)

    threading.Thread(target=run, name="cwm-dap", daemon=True).start()
    await done


class DapEndpoint:
    def __init__(self, worker: ModelWorker) -> None:
        self.executor = ModelExecutor(worker)
        self.models = ServerModels(worker)
        self._worker = worker
        self.token = secrets.token_hex(16)
        self._server: asyncio.AbstractServer | None = None
        self._dir: str | None = None
        self._address: dict[str, Any] | None = None

    async def start(self) -> dict[str, Any]:
        if self._address is not None:
            return self._address
        if hasattr(socket, "AF_UNIX"):
            self._dir = tempfile.mkdtemp(prefix="cwm-dap-")
            os.chmod(self._dir, 0o700)
            path = os.path.join(self._dir, "dap.sock")
            self._server = await asyncio.start_unix_server(self._connection, path=path)
            self._address = {"transport": "unix", "path": path, "token": self.token}
        else:  # pragma: no cover - Windows
            self._server = await asyncio.start_server(self._connection, "127.0.0.1", 0)
            port = self._server.sockets[0].getsockname()[1]
            self._address = {
                "transport": "tcp",
                "host": "127.0.0.1",
                "port": port,
                "token": self.token,
            }
        log.info(
            "DAP endpoint listening: %s", {k: v for k, v in self._address.items() if k != "token"}
        )
        return self._address

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            line = await asyncio.wait_for(reader.readline(), TOKEN_TIMEOUT)
            given = line.decode("ascii", "replace").strip()
            if not hmac.compare_digest(given, self.token):
                log.warning("DAP endpoint: a connection without the token was refused")
                return
            await _serve_dap(reader, writer, self.executor, self.models)
        except Exception:
            log.exception("DAP connection failed")
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    def close(self) -> None:
        if self.models._others:
            self._worker.submit(lambda ctx: self.models.close(), needs_model=False, label="close")
        if self._server is not None:
            self._server.close()
            self._server = None
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None
        self._address = None
