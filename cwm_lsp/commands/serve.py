"""``cwm-lsp serve`` (the default command): the language server on stdio or TCP."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import Any, BinaryIO

log = logging.getLogger("cwm_lsp")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    transport = parser.add_mutually_exclusive_group()
    transport.add_argument(
        "--stdio", action="store_true", help="speak LSP on stdin/stdout (default)"
    )
    transport.add_argument(
        "--tcp", type=int, metavar="PORT", help="listen for one client on this TCP port"
    )
    parser.add_argument("--host", default="127.0.0.1", help="address for --tcp (default 127.0.0.1)")
    parser.add_argument(
        "--log-level",
        default="INFO",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="logging on stderr (default INFO)",
    )


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("serve", help="run the language server (the default)")
    add_arguments(parser)
    parser.set_defaults(func=run)


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # pygls logs every message at INFO (PITFALLS.md)
    logging.getLogger("pygls").setLevel(logging.WARNING)


def protocol_stdout() -> BinaryIO:
    """A private copy of stdout for the protocol; fd 1 itself then points at stderr.

    Native libraries write to fd 1 (llama.cpp's logs), and llama-cpp-python
    silences them by pointing fd 1 at /dev/null while a model loads: a reply
    written in that window would be lost.  The protocol keeps its own fd.
    """
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    sys.stdout.flush()
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    return out


def run(args: argparse.Namespace) -> int:
    from cwm_lsp.lsp.server import create_server

    configure_logging(getattr(args, "log_level", "INFO") or "INFO")
    tcp = getattr(args, "tcp", None)
    if tcp is not None and not 0 < tcp < 65536:
        sys.stderr.write(f"cwm-lsp: --tcp needs a port between 1 and 65535, not {tcp}\n")
        return 2
    server = create_server()
    try:
        if tcp is not None:
            server.start_tcp(getattr(args, "host", "127.0.0.1"), tcp)
        else:
            server.start_io(sys.stdin.buffer, protocol_stdout())
    finally:
        server.shutdown_worker()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cwm-lsp serve", description=__doc__)
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
