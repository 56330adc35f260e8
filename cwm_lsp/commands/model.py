"""``cwm-lsp model info | install | convert``: which model loads, installing the default.

``convert`` is registered by ``cwm_lsp.convert.converter.register(subparsers)``
when that module exists (GGUF conversion, another room).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Any

EXIT_BAD_INPUT = 2


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "model",
        help="show which model would load, install the embedded default model",
        description="Model management: info (which model would load, from where, its "
        "format and size), install (assemble the embedded default model into the cache).",
    )
    actions = parser.add_subparsers(
        dest="model_command", metavar="ACTION", parser_class=type(parser)
    )
    info = actions.add_parser("info", help="which model would load, from where, format and size")
    info.add_argument(
        "--model", metavar="PATH", help="a GGUF file (else CWM_LSP_MODEL, else the default)"
    )
    info.set_defaults(func=run_info)
    install = actions.add_parser(
        "install", help="assemble the embedded default model into the cache (sha256-verified)"
    )
    install.set_defaults(func=run_install)
    try:
        convert = importlib.import_module("cwm_lsp.convert.converter")
    except ModuleNotFoundError as error:
        if error.name != "cwm_lsp.convert.converter":
            raise
    else:
        convert.register(actions)
    parser.set_defaults(func=lambda args: _usage(parser))


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_usage(sys.stderr)
    return EXIT_BAD_INPUT


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return str(n)


def run_info(args: argparse.Namespace) -> int:
    from cwm_lsp.model.api import ModelConfig, ModelLoadError
    from cwm_lsp.model.resolve import resolve_model

    try:
        info = resolve_model(ModelConfig(path=args.model), "--model" if args.model else None)
    except ModelLoadError as error:
        sys.stderr.write(f"cwm-lsp model: {error}\n")
        return EXIT_BAD_INPUT
    fmt = "native CWM (trace tokens)" if info.format == "cwm" else "generic (text frames)"
    from pathlib import Path

    state = "" if Path(info.path).exists() else " (not assembled yet: run `cwm-lsp model install`)"
    sys.stdout.write(
        f"model:  {info.name}\n"
        f"path:   {info.path}{state}\n"
        f"origin: {info.origin}\n"
        f"format: {fmt}\n"
        f"size:   {_size(info.size_bytes)} ({info.size_bytes} bytes)\n"
    )
    return 0


def run_install(args: argparse.Namespace) -> int:
    from cwm_lsp.model.api import ModelLoadError
    from cwm_lsp.model.default import ensure_default_model

    last = [-1]

    def progress(fraction: float, message: str) -> None:
        percent = int(fraction * 100)
        if percent // 10 != last[0] // 10:
            sys.stderr.write(f"{message}: {percent}%\n")
            last[0] = percent

    try:
        path = ensure_default_model(progress)
    except ModelLoadError as error:
        sys.stderr.write(f"cwm-lsp model: {error}\n")
        return EXIT_BAD_INPUT
    sys.stdout.write(f"{path}\n")
    return 0
