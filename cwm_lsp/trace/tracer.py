"""The real tracer: run ``function(args)`` in a child process under ``sys.settrace``.

Everything that can be checked without running the user's code is checked
here, in the parent, before any child starts: the file exists, it compiles,
it defines the function, the args parse.  Those mistakes raise
:class:`TraceInputError` with one clear message.  Everything that happens
while the code runs (it returns, raises, loops, exhausts the frame cap, kills
the process) comes back as a :class:`~cwm_lsp.trace.types.Trace` with the
matching :class:`~cwm_lsp.trace.types.EndReason` and the frames recorded so
far.  See :mod:`cwm_lsp.trace._child` for what the child records.

Args are written as in the brief and CONTRACTS.md:

* a tuple of argument expressions: ``"1, 2"`` or ``"(1, 2)"`` (two args),
  ``"'x'"`` or ``"[1, 2]"`` (one arg), ``""`` or ``"()"`` (none); a single
  tuple argument is written ``"((1, 2),)"`` or as a call;
* a call expression of the function: ``"f(1, y=2)"``;
* the text between a call's parentheses when it has keywords: ``"1, y=2"``.

Argument expressions are usually literals; other expressions (``dict(a=1)``,
``lambda x: x``) are evaluated in the child in the module's namespace, since
the user asked for real execution.  Their code is not traced.
"""

from __future__ import annotations

import ast
import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import tokenize
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import IO, Any

from cwm_lsp.trace.types import EVENTS, EndReason, Event, Frame, Trace, cut_repr

DEFAULT_MAX_FRAMES = 10_000
DEFAULT_TIMEOUT = 10.0
DEFAULT_REPR_LIMIT = 200
#: The program's own stdout/stderr are kept up to this many bytes each.
OUTPUT_LIMIT = 1_000_000

_NEWLINE = re.compile(r"\r\n|\r|\n")


class TraceInputError(ValueError):
    """The file, function or args cannot be traced; the message says why in one line."""


@dataclass(frozen=True)
class CallArgs:
    """Argument expressions (Python source text) for the entry function."""

    positional: tuple[str, ...] = ()
    keywords: tuple[tuple[str, str], ...] = ()


def parse_call_args(text: str, function: str) -> CallArgs:
    """Parse ``--args`` text into argument expressions (see the module docstring)."""
    stripped = text.strip()
    if not stripped:
        return CallArgs()
    try:
        node = ast.parse(stripped, mode="eval").body
    except SyntaxError as error:
        call = _parse_bare_call_args(stripped)
        if call is None:
            raise TraceInputError(f"cannot parse the args {stripped!r}: {error.msg}") from None
        return _call_args(call.args, call.keywords)
    if isinstance(node, ast.Call) and _dotted_name(node.func) in _callee_names(function):
        return _call_args(node.args, node.keywords)
    if isinstance(node, ast.Tuple):
        return _call_args(node.elts, [])
    return _call_args([node], [])


def _parse_bare_call_args(text: str) -> ast.Call | None:
    """``"1, y=2"`` read as the inside of a call's parentheses, or None."""
    wrapped = f"_({text}\n)"
    try:
        node = ast.parse(wrapped, mode="eval").body
    except SyntaxError:
        return None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "_":
        return node
    return None


def _callee_names(function: str) -> set[str]:
    return {function, function.rsplit(".", 1)[-1]}


def _dotted_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted_name(node.value)
        return None if base is None else f"{base}.{node.attr}"
    return None


def _call_args(positional: Sequence[ast.expr], keywords: Sequence[ast.keyword]) -> CallArgs:
    texts: list[str] = []
    for node in positional:
        if isinstance(node, ast.Starred):
            raise TraceInputError(f"starred args are not supported: {ast.unparse(node)}")
        texts.append(ast.unparse(node))
    named: list[tuple[str, str]] = []
    for keyword in keywords:
        if keyword.arg is None:
            raise TraceInputError(f"**-args are not supported: **{ast.unparse(keyword.value)}")
        named.append((keyword.arg, ast.unparse(keyword.value)))
    return CallArgs(tuple(texts), tuple(named))


def decode_source(data: bytes, display: str) -> str:
    """Source bytes to text the way Python reads a file (coding cookie, BOM)."""
    try:
        encoding, _ = tokenize.detect_encoding(iter(data.splitlines(keepends=True)).__next__)
        return data.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError) as error:
        raise TraceInputError(f"{display}: cannot decode the source: {error}") from None


def source_lines(text: str) -> list[str]:
    """The file's lines as Python numbers them (``\\r\\n``, ``\\r`` and ``\\n`` end a line)."""
    return _NEWLINE.split(text)


def parse_module(data: bytes, display: str) -> ast.Module:
    """Compile-check the source; a syntax error becomes a one-line TraceInputError."""
    try:
        tree = compile(data, display, "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as error:
        where = f"{display}:{error.lineno}" if error.lineno else display
        raise TraceInputError(f"{where}: syntax error: {error.msg}") from None
    except ValueError as error:  # e.g. null bytes
        raise TraceInputError(f"{display}: cannot compile: {error}") from None
    assert isinstance(tree, ast.Module)
    return tree


def module_names(body: Sequence[ast.stmt]) -> dict[str, ast.stmt]:
    """Names bound at module level (also inside top-level if/try/with blocks)."""
    names: dict[str, ast.stmt] = {}
    for stmt in body:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names[stmt.name] = stmt
        elif isinstance(stmt, ast.Assign | ast.AnnAssign):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    names[target.id] = stmt
        elif isinstance(stmt, ast.Import | ast.ImportFrom):
            for alias in stmt.names:
                names[(alias.asname or alias.name).split(".")[0]] = stmt
        elif isinstance(stmt, ast.If | ast.For | ast.While | ast.With | ast.Try):
            for block in ("body", "orelse", "finalbody"):
                names.update(module_names(getattr(stmt, block, [])))
            for handler in getattr(stmt, "handlers", []):
                names.update(module_names(handler.body))
    return names


def check_function(tree: ast.Module, function: str, display: str) -> None:
    """Raise TraceInputError unless ``function`` (or ``Class.method``) is defined."""
    parts = function.split(".")
    if not function or not all(part.isidentifier() for part in parts):
        raise TraceInputError(f"not a function name: {function!r}")
    scope = module_names(tree.body)
    for depth, part in enumerate(parts):
        node = scope.get(part)
        if node is None:
            known = ", ".join(
                name
                for name, stmt in scope.items()
                if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            )
            where = ".".join(parts[:depth]) or display
            hint = f" (defined there: {known})" if known else ""
            raise TraceInputError(f"no function {function!r} in {where}{hint}")
        if depth + 1 < len(parts):
            if not isinstance(node, ast.ClassDef):
                raise TraceInputError(f"{'.'.join(parts[: depth + 1])} is not a class")
            scope = module_names(node.body)


def decorated_lines(tree: ast.Module) -> dict[int, int]:
    """First decorator line -> ``def`` line, to place ``call`` frames on the ``def``."""
    lines: dict[int, int] = {}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            and node.decorator_list
        ):
            lines[min(d.lineno for d in node.decorator_list)] = node.lineno
    return lines


@dataclass(frozen=True)
class CheckedInput:
    """What :func:`check_trace_input` read and parsed."""

    display: str
    data: bytes
    text: str
    tree: ast.Module
    call_args: CallArgs


def check_trace_input(
    source: str | None = None, *, path: str | None = None, function: str, args: str = ""
) -> CheckedInput:
    """Check everything that can be checked without running the code.

    Raises :class:`TraceInputError` (one line) for a missing file, undecodable
    source, a syntax error, an unknown function or unparsable args.  Also
    useful before imagining a trace, so both paths reject the same input.
    """
    display = path or "<source>"
    if source is None:
        if path is None:
            raise TraceInputError("give the source text or a file path to trace")
        if not Path(path).is_file():
            raise TraceInputError(f"no such file: {path}")
        try:
            data = Path(path).read_bytes()
        except OSError as error:
            raise TraceInputError(f"cannot read {path}: {error.strerror or error}") from None
    else:
        data = source.encode("utf-8")
    text = decode_source(data, display)
    tree = parse_module(data, display)
    check_function(tree, function, display)
    return CheckedInput(display, data, text, tree, parse_call_args(args, function))


@cache
def _child_source() -> str:
    return Path(__file__).with_name("_child.py").read_text(encoding="utf-8")


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
        run = _ChildRun(
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

    frames = _frames(outcome.messages, source_lines(text), decorated_lines(tree), repr_limit)
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
        trace.error = _describe_exit(outcome.returncode)
    return trace


def _describe_exit(returncode: int | None) -> str:
    if returncode is not None and returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return f"the process was killed by {name} before the call finished"
    return f"the process exited with code {returncode} before the call finished"


def _frames(
    messages: Sequence[dict[str, Any]],
    lines: Sequence[str],
    decorated: dict[int, int],
    repr_limit: int,
) -> list[Frame]:
    frames: list[Frame] = []
    for message in messages:
        event = message.get("event")
        if event not in EVENTS:
            continue
        kind: Event = event
        line = int(message.get("line", 0))
        if kind == "call":
            line = decorated.get(line, line)
        value = message.get("value")
        frames.append(
            Frame(
                event=kind,
                line=line,
                source=lines[line - 1] if 1 <= line <= len(lines) else "",
                locals={
                    str(name): cut_repr(str(text), repr_limit)
                    for name, text in dict(message.get("locals", {})).items()
                },
                value=None if value is None else cut_repr(str(value), repr_limit),
            )
        )
    return frames


@dataclass
class _Outcome:
    messages: list[dict[str, Any]]
    end: dict[str, Any] | None
    timed_out: bool
    returncode: int | None
    stdout: str
    stderr: str


class _ChildRun:
    """One child process: start it, read its three pipes, stop it at the timeout."""

    def __init__(
        self, *, python: str, request_dir: Path, request: dict[str, Any], timeout: float
    ) -> None:
        self.python = python
        self.request_dir = request_dir
        self.request = request
        self.timeout = timeout

    def execute(self) -> _Outcome:
        read_fd, write_fd = os.pipe()
        request_path = self.request_dir / "request.json"
        request_path.write_text(json.dumps({**self.request, "fd": write_fd}), encoding="utf-8")
        env = dict(os.environ)
        env.setdefault("PYTHONIOENCODING", "utf-8")
        try:
            process = subprocess.Popen(
                [self.python, "-u", "-c", _child_source(), str(request_path)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                pass_fds=(write_fd,),
                start_new_session=os.name == "posix",
                env=env,
            )
        except OSError as error:
            os.close(read_fd)
            raise TraceInputError(f"cannot start {self.python}: {error}") from None
        finally:
            os.close(write_fd)
        assert process.stdout is not None and process.stderr is not None

        messages: list[dict[str, Any]] = []
        stdout: list[bytes] = []
        stderr: list[bytes] = []
        readers = [
            threading.Thread(target=_read_messages, args=(read_fd, messages), daemon=True),
            threading.Thread(target=_read_capped, args=(process.stdout, stdout), daemon=True),
            threading.Thread(target=_read_capped, args=(process.stderr, stderr), daemon=True),
        ]
        for reader in readers:
            reader.start()
        timed_out = False
        try:
            process.wait(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            _kill(process)
            process.wait()
        finally:
            if process.poll() is None:  # interrupted in the parent: leave nothing running
                _kill(process)
                process.wait()
        for reader in readers:
            reader.join(timeout=2.0)
        if any(reader.is_alive() for reader in readers):
            _kill(process)  # a grandchild still holds a pipe open
            for reader in readers:
                reader.join(timeout=2.0)

        end = messages[-1] if messages and "end" in messages[-1] else None
        return _Outcome(
            messages=messages,
            end=end,
            timed_out=timed_out,
            returncode=process.returncode,
            stdout=_decode_output(stdout),
            stderr=_decode_output(stderr),
        )


def _kill(process: subprocess.Popen[bytes]) -> None:
    """Kill the child and, on POSIX, every process it started in its session."""
    if os.name == "posix":
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        process.kill()


def _read_messages(fd: int, sink: list[dict[str, Any]]) -> None:
    with os.fdopen(fd, "rb") as stream:
        for raw in stream:
            try:
                message = json.loads(raw)
            except ValueError:
                continue  # a line cut short by a kill
            if isinstance(message, dict):
                sink.append(message)


def _read_capped(stream: IO[bytes], sink: list[bytes]) -> None:
    kept = 0
    with stream:
        while chunk := os.read(stream.fileno(), 65536):
            if kept < OUTPUT_LIMIT:
                sink.append(chunk[: OUTPUT_LIMIT - kept])
            kept += len(chunk)
    if kept > OUTPUT_LIMIT:
        sink.append(f"\n[… {kept - OUTPUT_LIMIT} more bytes not kept]\n".encode())


def _decode_output(chunks: list[bytes]) -> str:
    return b"".join(chunks).decode("utf-8", errors="replace")
