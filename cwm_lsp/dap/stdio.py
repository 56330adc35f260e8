"""``cwm-lsp dap``: the adapter on stdin/stdout with its own model thread."""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import sys

from cwm_lsp.dap.server import serve_connection

log = logging.getLogger(__name__)


async def _stdio_streams(protocol_fd: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=2**20)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    out = os.fdopen(protocol_fd, "wb", buffering=0)
    transport, protocol = await loop.connect_write_pipe(asyncio.streams.FlowControlMixin, out)
    writer = asyncio.StreamWriter(transport, protocol, reader, loop)
    return reader, writer


async def serve_stdio(protocol_fd: int) -> None:
    executor = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="cwm-model")
    try:
        reader, writer = await _stdio_streams(protocol_fd)
        await serve_connection(reader, writer, executor)
    finally:
        executor.shutdown(wait=False, cancel_futures=True)


def main() -> int:
    # The protocol gets a private copy of fd 1; fd 1 itself (print, C libraries
    # such as llama.cpp) is pointed at stderr so nothing else can corrupt it.
    sys.stdout.flush()
    protocol_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    asyncio.run(serve_stdio(protocol_fd))
    return 0
