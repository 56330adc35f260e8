"""``cwm-lsp model info | install | convert | train | export-adapter``.

Which model loads, installing the default.  ``convert`` is registered by
``cwm_lsp.convert.converter.register(subparsers)`` when that module exists
(GGUF conversion, another room); ``train`` and ``export-adapter`` by
``cwm_lsp.train.cli.register`` (LoRA training, the train room), given the
default model's resolver.
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
    info.add_argument(
        "--adapter",
        metavar="PATH",
        help="a GGUF LoRA adapter ('none': no adapter; default: the default model's shipped "
        "one, if any)",
    )
    info.add_argument(
        "--endpoint",
        metavar="URL",
        help="a server that hosts the model (llama-server): what it serves, its format, "
        "whether its prefix cache answers (else CWM_LSP_ENDPOINT)",
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
    try:
        train = importlib.import_module("cwm_lsp.train.cli")
    except ModuleNotFoundError as error:
        if error.name != "cwm_lsp.train.cli":
            raise
    else:
        train.register(actions, default_model=_default_model_path)
    calibrate = importlib.import_module("cwm_lsp.evaluate.calibrate")
    calibrate.register(actions)
    parser.set_defaults(func=lambda args: _usage(parser))


def _default_model_path() -> str:
    """The embedded default model's file, assembled first if needed (for ``train``)."""
    from cwm_lsp.model.default import ensure_default_model

    return str(ensure_default_model(verify=False))


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

    if getattr(args, "endpoint", None):
        return _run_endpoint_info(args.endpoint)
    adapter = args.adapter
    config = ModelConfig(
        path=args.model, adapter=None if adapter is None else ("" if adapter == "none" else adapter)
    )
    try:
        info = resolve_model(
            config, "--model" if args.model else None, adapter_hint="--adapter" if adapter else None
        )
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
        f"adapter: {_adapter_line(info.adapter, info.adapter_origin)}\n"
        f"calibration: {_calibration_line(info.path, info.adapter)}\n"
    )
    return 0


def _calibration_line(model_path: str, adapter_path: str) -> str:
    """The calibration file fitted for this model and adapter, or what confidence means without."""
    from cwm_lsp.model.calibration import find_calibration

    calibration = find_calibration(model_path, adapter_path)
    if calibration is None:
        return "none (confidence is the model's own probability, not calibrated)"
    return f"{calibration.path} (fitted on {calibration.fitted_on.get('values', '?')} values)"


def _run_endpoint_info(url: str) -> int:
    """``model info --endpoint URL``: what the server serves (nothing is loaded here)."""
    from cwm_lsp.model.api import ModelConfig, ModelLoadError
    from cwm_lsp.model.remote_loader import describe_server

    try:
        report = describe_server(ModelConfig(endpoint=url), "--endpoint")
    except ModelLoadError as error:
        sys.stderr.write(f"cwm-lsp model: {error}\n")
        return EXIT_BAD_INPUT
    info = report.info
    fmt = "native CWM (trace tokens)" if info.format == "cwm" else "generic (text frames)"
    props = report.props
    if not report.cache_known:
        cache = "unknown (the server does not say; vLLM does with --enable-prompt-tokens-details)"
    elif report.prefix_cache:
        cache = (
            f"yes ({report.cached_tokens} of {report.prompt_tokens} prompt tokens from the "
            "cache on a repeat)"
        )
    else:
        cache = "no (a repeated prompt was evaluated again)"
    slots = (
        f"{info.n_ctx} tokens per slot, {props.total_slots} slot(s)"
        if props.total_slots
        else f"{info.n_ctx} tokens per request"
    )
    sys.stdout.write(
        f"endpoint: {info.path} ({info.origin})\n"
        f"server:   {props.kind}" + (f" ({props.build})" if props.build else "") + "\n"
        f"model:    {info.name}\n"
        f"format: {fmt}\n"
        f"adapter:  {report.adapters}\n"
        f"context:  {slots}\n"
        f"prefix cache: {cache}\n"
    )
    return 0


def _adapter_line(path: str, origin: str) -> str:
    """``PATH (origin, size)`` of the adapter that loads, or ``none``."""
    if not path:
        return "none"
    from pathlib import Path

    try:
        size = f", {_size(Path(path).stat().st_size)}"
    except OSError:
        size = ""
    return f"{path} ({origin}{size})"


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
