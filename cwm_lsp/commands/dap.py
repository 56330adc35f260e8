"""``cwm-lsp dap``: the debug adapter on stdio (stdout carries DAP only; logs go to stderr)."""

from __future__ import annotations

import argparse
import logging
from typing import Any


def register(subparsers: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "dap",
        help="debug adapter (DAP on stdio): step through imagined execution",
        description="Speak the Debug Adapter Protocol on stdin/stdout (launch type 'cwm').",
    )
    parser.add_argument("--log-level", default="WARNING", help="stderr log level (default WARNING)")
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    from cwm_lsp.dap.stdio import main

    logging.basicConfig(
        level=getattr(logging, str(getattr(args, "log_level", "WARNING")).upper(), logging.WARNING),
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
    )
    return main()
