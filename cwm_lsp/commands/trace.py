"""``cwm-lsp trace FILE --function NAME --args ARGS``: print a trace.

``--real`` runs the code for real (child process, ``sys.settrace``).  Without
it the trace is imagined by the model, through
``cwm_lsp.model.cli_support.imagine_for_cli`` (the model room's entry point,
imported only when needed); ``--compare`` prints the imagined and the real
trace side by side with the first divergence marked.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path
from typing import Any

from cwm_lsp.trace.compare import compare
from cwm_lsp.trace.render import render_side_by_side, render_table
from cwm_lsp.trace.trace_input import check_trace_input
from cwm_lsp.trace.tracer import (
    DEFAULT_MAX_FRAMES,
    DEFAULT_REPR_LIMIT,
    DEFAULT_TIMEOUT,
    TraceInputError,
    trace_call,
)
from cwm_lsp.trace.types import Trace

EXIT_BAD_INPUT = 2
IMAGINE_MODULE = "cwm_lsp.model.cli_support"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "trace",
        help="trace one call of a function (imagined by the model, or --real)",
        description="Trace FUNCTION(ARGS) from FILE: imagined by the model by default, "
        "run for real with --real, or both side by side with --compare.",
    )
    parser.add_argument("file", metavar="FILE", help="the Python file that defines the function")
    parser.add_argument(
        "--function", "-f", required=True, help="the entry function (or Class.method)"
    )
    parser.add_argument(
        "--args",
        "-a",
        default="",
        help='the arguments: a tuple like "1, \'x\'" or a call like "f(1, y=2)"',
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--real", action="store_true", help="run the code for real and trace it")
    mode.add_argument(
        "--compare", action="store_true", help="imagine and run, then show both side by side"
    )
    parser.add_argument("--model", metavar="PATH", help="the GGUF model for imagined traces")
    parser.add_argument(
        "--endpoint",
        metavar="URL",
        help="a server that hosts the model (llama-server), e.g. http://127.0.0.1:8080 "
        "(else CWM_LSP_ENDPOINT; API key from CWM_LSP_API_KEY)",
    )
    parser.add_argument("--json", action="store_true", help="print the Trace as JSON")
    parser.add_argument("--max-frames", type=int, default=DEFAULT_MAX_FRAMES, metavar="N")
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help="wall-clock limit for --real (default %(default)s)",
    )
    parser.add_argument(
        "--repr-limit",
        type=int,
        default=DEFAULT_REPR_LIMIT,
        metavar="N",
        help="cut reprs longer than N characters (0: never)",
    )
    parser.set_defaults(func=run)


def _fail(message: str) -> int:
    sys.stderr.write(f"cwm-lsp trace: {message}\n")
    return EXIT_BAD_INPUT


def run(args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not path.is_file():
        return _fail(f"no such file: {args.file}")
    try:
        check_trace_input(path=args.file, function=args.function, args=args.args)
        if args.real:
            real = _real(args)
            sys.stdout.write(real.dumps() + "\n" if args.json else render_table(real))
            return 0
        imagined = _imagined(args)
        if imagined is None:
            return EXIT_BAD_INPUT
        if not args.compare:
            sys.stdout.write(imagined.dumps() + "\n" if args.json else render_table(imagined))
            return 0
        real = _real(args)
    except TraceInputError as error:
        return _fail(str(error))
    comparison = compare(imagined, real)
    if args.json:
        both = {
            "imagined": imagined.to_json(),
            "real": real.to_json(),
            "comparison": comparison.to_json(),
        }
        sys.stdout.write(json.dumps(both, indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(render_side_by_side(imagined, real, comparison))
    return 0


def _real(args: argparse.Namespace) -> Trace:
    return trace_call(
        path=args.file,
        function=args.function,
        args=args.args,
        max_frames=args.max_frames,
        timeout=args.timeout,
        repr_limit=args.repr_limit,
    )


def _imagined(args: argparse.Namespace) -> Trace | None:
    """The model's trace, or None after printing why there is none."""
    try:
        support = importlib.import_module(IMAGINE_MODULE)
    except ModuleNotFoundError as error:
        if error.name not in (IMAGINE_MODULE, "cwm_lsp.model"):
            raise
        _fail("imagined traces need the model room (cwm_lsp.model.cli_support); use --real")
        return None
    from cwm_lsp.model.api import ModelLoadError

    try:
        trace: Trace = support.imagine_for_cli(
            path=args.file,
            source=Path(args.file).read_text(encoding="utf-8"),
            function=args.function,
            args=args.args,
            model=args.model,
            endpoint=args.endpoint,
            max_frames=args.max_frames,
            repr_limit=args.repr_limit,
        )
    except (ValueError, ModelLoadError) as error:  # TraceInputError is a ValueError
        _fail(str(error))
        return None
    return trace
