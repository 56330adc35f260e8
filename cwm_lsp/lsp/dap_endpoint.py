"""The server's private DAP endpoint (``cwm.dapEndpoint``).

A debug adapter hosted in the language server shares its model worker.  The
endpoint is a unix socket (0600) in a fresh 0700 directory, so only this
user can reach it (loopback TCP where unix sockets are missing).  A client
proves it was told the endpoint by sending a token as its first line
(``token\\r\\n``), then speaks DAP.  Each ``cwm.dapEndpoint`` call issues a
fresh token; a token opens one connection only (it is spent when it is
used), tokens are compared in constant time, and a connection with a wrong,
spent or missing token is closed without a word.
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

from cwm_lsp.model.api import HostedModel, ModelConfig, Progress, WorldModel
from cwm_lsp.predict.executor import ModelExecutor
from cwm_lsp.predict.worker import ModelUnavailable, ModelWorker

log = logging.getLogger(__name__)

TOKEN_TIMEOUT = 10.0
#: tokens issued and not yet used that are still honoured (the oldest go first)
OUTSTANDING_TOKENS = 16


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
        other = self._others.get(path)
        if isinstance(other, HostedModel) and not other.alive:
            del self._others[path]  # its host died: the next launch starts another
            other.close()
        if path not in self._others:
            from cwm_lsp.host import host_mode
            from cwm_lsp.predict.loading import load_world_model

            config = ModelConfig(path=path, host=host_mode())
            self._others[path] = load_world_model(config, progress)
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
        #: tokens issued and not used yet, oldest first
        self._tokens: list[bytes] = []
        self._server: asyncio.AbstractServer | None = None
        self._dir: str | None = None
        self._address: dict[str, Any] | None = None
        self._listening = asyncio.Lock()

    def issue_token(self) -> str:
        """A fresh single-use token (the oldest unused ones lapse past a few)."""
        token = secrets.token_hex(16)
        self._tokens.append(token.encode("ascii"))
        del self._tokens[:-OUTSTANDING_TOKENS]
        return token

    def spend_token(self, given: bytes) -> bool:
        """Whether ``given`` is an unused token; if so it is spent.

        Every outstanding token is compared, in constant time, whatever matches.
        """
        matched: bytes | None = None
        for token in self._tokens:
            if hmac.compare_digest(given, token):
                matched = token
        if matched is None:
            return False
        self._tokens.remove(matched)
        return True

    async def start(self) -> dict[str, Any]:
        """The endpoint's address with a fresh token (listening from the first call)."""
        address = await self._listen()
        return {**address, "token": self.issue_token()}

    async def _listen(self) -> dict[str, Any]:
        async with self._listening:  # two first calls at once make one endpoint
            if self._address is None:
                self._address = await self._open()
            return self._address

    async def _open(self) -> dict[str, Any]:
        address: dict[str, Any]
        if hasattr(socket, "AF_UNIX"):
            self._dir = tempfile.mkdtemp(prefix="cwm-dap-")
            os.chmod(self._dir, 0o700)
            path = os.path.join(self._dir, "dap.sock")
            self._server = await asyncio.start_unix_server(self._connection, path=path)
            os.chmod(path, 0o600)
            address = {"transport": "unix", "path": path}
        else:  # pragma: no cover - Windows
            self._server = await asyncio.start_server(self._connection, "127.0.0.1", 0)
            port = self._server.sockets[0].getsockname()[1]
            address = {"transport": "tcp", "host": "127.0.0.1", "port": port}
        log.info("DAP endpoint listening: %s", address)
        return address

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            try:
                line = await asyncio.wait_for(reader.readline(), TOKEN_TIMEOUT)
            except (ValueError, asyncio.LimitOverrunError, asyncio.TimeoutError):
                line = b""  # no token line (in time, or short enough): refused like a wrong one
            if not self.spend_token(line.strip()):
                log.warning("DAP endpoint: a connection without a valid token was refused")
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
        self._tokens.clear()
