"""The ``cwm-lsp`` command line: dispatches to ``cwm_lsp/commands/<name>.py``.

``cwm-lsp`` with no subcommand, or with only ``--stdio`` / ``--tcp PORT``,
runs the language server (``cwm-lsp serve``).  Bad input exits with code 2
and one line on stderr.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence
from types import ModuleType

from cwm_lsp import __version__
from cwm_lsp.commands import COMMANDS

log = logging.getLogger(__name__)

#: Exit code for bad input (missing file, syntax error, unknown function, bad args).
EXIT_BAD_INPUT = 2


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors are one line on stderr and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"{self.prog}: {message}\n")
        raise SystemExit(EXIT_BAD_INPUT)


def _load_command(name: str) -> ModuleType | None:
    module_name = f"cwm_lsp.commands.{name}"
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name == module_name:
            return None  # that room has not added its command yet
        log.warning("cwm-lsp %s is unavailable: %s", name, error)
        return None


def build_parser() -> tuple[argparse.ArgumentParser, set[str]]:
    """The argument parser and the names of the subcommands it knows."""
    parser = _Parser(
        prog="cwm-lsp",
        description="A neural debugger for Python: language server, debug adapter and tools.",
    )
    parser.add_argument("--version", action="version", version=f"cwm-lsp {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    known: set[str] = set()
    for name in COMMANDS:
        module = _load_command(name)
        if module is not None:
            module.register(subparsers)
            known.add(name)
    return parser, known


def _with_default_command(argv: list[str]) -> list[str]:
    """``cwm-lsp`` and ``cwm-lsp --stdio`` / ``--tcp N`` mean ``cwm-lsp serve ...``."""
    if not argv or argv[0] in ("--stdio", "--tcp") or argv[0].startswith("--tcp="):
        return ["serve", *argv]
    return argv


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args_list = _with_default_command(list(sys.argv[1:] if argv is None else argv))
    parser, known = build_parser()
    if args_list[0] == "serve" and "serve" not in known:
        sys.stderr.write(
            "cwm-lsp: the language server is not available in this install "
            "(module cwm_lsp.commands.serve is missing)\n"
        )
        return EXIT_BAD_INPUT
    try:
        args = parser.parse_args(args_list)
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else EXIT_BAD_INPUT
    run = getattr(args, "func", None)
    if run is None:
        parser.print_usage(sys.stderr)
        return EXIT_BAD_INPUT
    return int(run(args))
