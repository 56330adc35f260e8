"""The real tracer: run ``function(args)`` in a child process under ``sys.settrace``.

:func:`trace_call` checks its input first (:mod:`cwm_lsp.trace.trace_input`:
the file, the function, the args format), so those mistakes raise
:class:`TraceInputError` with one clear message before any child starts.
Everything that happens while the code runs (it returns, raises, loops,
exhausts the frame cap, kills the process) comes back as a
:class:`~cwm_lsp.trace.types.Trace` with the matching
:class:`~cwm_lsp.trace.types.EndReason` and the frames recorded so far.  The
child process is run by :mod:`cwm_lsp.trace.child_run`; see
:mod:`cwm_lsp.trace._child` for what the child records.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from cwm_lsp.trace.child_run import ChildRun, describe_exit, frames_from_messages
from cwm_lsp.trace.trace_input import (
    CallArgs,
    TraceInputError,
    check_trace_input,
    decorated_lines,
    parse_call_args,
    source_lines,
)
from cwm_lsp.trace.types import EndReason, Trace

__all__ = [
    "DEFAULT_MAX_FRAMES",
    "DEFAULT_REPR_LIMIT",
    "DEFAULT_TIMEOUT",
    "CallArgs",
    "TraceInputError",
    "parse_call_args",
    "trace_call",
]

DEFAULT_MAX_FRAMES = 10_000
DEFAULT_TIMEOUT = 10.0
DEFAULT_REPR_LIMIT = 200


def trace_call(
    source: str | None = None,
    *,
    path: str | None = None,
    function: str,
    args: str = "",
    max_frames: int = DEFAULT_MAX_FRAMES,
    timeout: float = DEFAULT_TIMEOUT,
    repr_limit: int = DEFAULT_REPR_LIMIT,
    python: str = sys.executable,
) -> Trace:
    """Run ``function(args)`` for real and return its Trace.

    ``source`` is the file's text (e.g. an unsaved editor buffer); ``path``
    the file on disk.  With both, ``source`` is run and ``path``'s directory is
    put first on the child's ``sys.path`` (as ``python path`` would).  Raises
    :class:`TraceInputError` for a missing file, a syntax error, an unknown
    function, unparsable args or an interpreter that cannot start.
    """
    if max_frames < 1:
        raise TraceInputError(f"max_frames must be at least 1, not {max_frames}")
    if timeout <= 0:
        raise TraceInputError(f"timeout must be positive, not {timeout}")
    checked = check_trace_input(source, path=path, function=function, args=args)
    data, text, tree, call_args = checked.data, checked.text, checked.tree, checked.call_args
    display = checked.display

    with tempfile.TemporaryDirectory(prefix="cwm-trace-") as tmp:
        if source is None:
            assert path is not None
            target = Path(path).resolve()
        else:
            target = Path(tmp, Path(path).name if path else "snippet.py")
            target.write_bytes(data)
        path_entry = str(Path(path).resolve().parent) if path else tmp
        run = ChildRun(
            python=python,
            request_dir=Path(tmp),
            request={
                "file": str(target),
                "path_entry": path_entry,
                "function": function,
                "args": list(call_args.positional),
                "kwargs": [list(pair) for pair in call_args.keywords],
                "max_frames": max_frames,
                "repr_limit": repr_limit,
            },
            timeout=timeout,
        )
        outcome = run.execute()

    frames = frames_from_messages(
        outcome.messages, source_lines(text), decorated_lines(tree), repr_limit
    )
    trace = Trace(
        frames=frames,
        function=function,
        args=args,
        stdout=outcome.stdout,
        stderr=outcome.stderr,
    )
    end = outcome.end
    if end is not None:
        kind, error = str(end.get("end")), str(end.get("error", ""))
        if kind == "input error":
            raise TraceInputError(error)
        if kind == "returned":
            trace.reason = EndReason.RETURNED
        elif kind == "frame cap":
            trace.reason, trace.error = EndReason.FRAME_CAP, error
        elif kind == "load failed":
            trace.reason, trace.error = EndReason.RAISED, f"loading {display} raised {error}"
        else:
            trace.reason, trace.error = EndReason.RAISED, error
    elif outcome.timed_out:
        trace.reason = EndReason.TIMEOUT
        trace.error = f"no result after {timeout:g} s; the process was stopped"
        if any("capped" in message for message in outcome.messages):
            trace.error += f" (recording stopped at the frame cap of {max_frames} frames)"
    else:
        trace.reason = EndReason.CRASH
        trace.error = describe_exit(outcome.returncode)
    return trace
