"""The ``cwm`` launch configuration, checked: bad input becomes one clear message."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

Mode = Literal["imagine", "compare"]
DEFAULT_MAX_FRAMES = 200


class LaunchError(Exception):
    """The launch configuration cannot be used; the message says why."""


@dataclass(frozen=True)
class LaunchConfig:
    program: Path
    function: str
    source: str
    args: str | None = None
    mode: Mode = "imagine"
    model: str | None = None
    max_frames: int = DEFAULT_MAX_FRAMES
    stop_on_entry: bool = True
    temperature: float = 0.0
    #: seconds one real (debugpy) step may take before the real side is given up
    real_step_timeout: float = 10.0
    #: interpreter for the real program in compare mode (default: this one)
    python: str | None = None


def _function_names(source: str, program: Path) -> set[str]:
    try:
        tree = ast.parse(source, filename=str(program))
    except SyntaxError as exc:
        raise LaunchError(f"{program}: syntax error on line {exc.lineno}: {exc.msg}") from None
    except ValueError as exc:  # a null byte
        raise LaunchError(f"{program}: cannot be parsed: {exc}") from None
    return {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    }


def parse_launch(arguments: dict[str, Any]) -> LaunchConfig:
    """Check a launch request's arguments (raises :class:`LaunchError`)."""
    program = arguments.get("program")
    if not isinstance(program, str) or not program:
        raise LaunchError("launch needs 'program': the path of a Python file")
    path = Path(program).expanduser()
    if not path.is_file():
        raise LaunchError(f"program not found: {program}")
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LaunchError(f"cannot read {program}: {exc}") from None
    function = arguments.get("function")
    if not isinstance(function, str) or not function:
        raise LaunchError("launch needs 'function': the name of a function in the program")
    if function not in _function_names(source, path):
        raise LaunchError(f"no function named {function!r} in {program}")
    args = arguments.get("args")
    if args is not None:
        if not isinstance(args, str):
            raise LaunchError(
                "'args' must be a string: a Python literal tuple or a call expression"
            )
        args = call_arguments_source(args, function) if args.strip() else None
    mode = arguments.get("mode", "imagine")
    if mode not in ("imagine", "compare"):
        raise LaunchError(f'\'mode\' must be "imagine" or "compare", not {mode!r}')
    model = arguments.get("model") or None
    if model is not None and not isinstance(model, str):
        raise LaunchError("'model' must be a path to a GGUF file")
    endpoint = arguments.get("endpoint") or None
    if endpoint is not None:
        if not isinstance(endpoint, str) or not endpoint.startswith(("http://", "https://")):
            raise LaunchError("'endpoint' must be an http:// or https:// URL of a model server")
        model = endpoint  # the model comes from a server that hosts it
    max_frames = arguments.get("maxFrames", DEFAULT_MAX_FRAMES)
    if isinstance(max_frames, bool) or not isinstance(max_frames, int) or max_frames < 1:
        raise LaunchError("'maxFrames' must be a positive integer")
    stop_on_entry = arguments.get("stopOnEntry", True)
    if not isinstance(stop_on_entry, bool):
        raise LaunchError("'stopOnEntry' must be true or false")
    temperature = arguments.get("temperature", 0.0)
    if (
        isinstance(temperature, bool)
        or not isinstance(temperature, (int, float))
        or temperature < 0
    ):
        raise LaunchError("'temperature' must be a number >= 0")
    timeout = arguments.get("realStepTimeout", 10.0)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
        raise LaunchError("'realStepTimeout' must be a number of seconds > 0")
    python = arguments.get("python") or None
    if python is not None and not isinstance(python, str):
        raise LaunchError("'python' must be the path of a Python interpreter")
    return LaunchConfig(
        program=path.resolve(),
        function=function,
        source=source,
        args=args,
        mode=mode,
        model=model,
        max_frames=max_frames,
        stop_on_entry=stop_on_entry,
        temperature=float(temperature),
        real_step_timeout=float(timeout),
        python=python,
    )


def call_arguments_source(args: str, function: str) -> str:
    """The text between the parentheses of the call ``function(...)`` that ``args`` means.

    ``args`` is a call expression (``f(1, b=2)``: its arguments), a
    parenthesised tuple (``(1, 2)``: its elements) or an argument list
    (``1, 2`` or ``5``), as the model room reads inputs.  A method's call on
    an instance (``Inventory().add(1)``, ``Inventory().total``) passes the
    instance first; ``Inventory(1)`` for ``Inventory.__init__`` a new
    instance.  Only parses; nothing is evaluated.
    """
    text = args.strip()
    try:
        body: ast.expr | None = ast.parse(text, mode="eval").body
    except (SyntaxError, ValueError):  # ValueError: a null byte, a lone surrogate
        body = None
    name = function.rsplit(".", 1)[-1]
    owner = function.rsplit(".", 2)[-2] if "." in function else ""
    receiver: list[ast.expr] = []
    if isinstance(body, ast.Attribute) and body.attr == name and owner:
        return ast.get_source_segment(text, body.value) or ast.unparse(body.value)  # a property
    if name == "__init__" and isinstance(body, ast.Call) and _called_name(body.func) == owner:
        receiver = [ast.parse(f"{owner}.__new__({owner})", mode="eval").body]  # Inventory(1)
        body = ast.Call(body.func, body.args, body.keywords)
        name = owner
    elif (
        isinstance(body, ast.Call)
        and isinstance(body.func, ast.Attribute)
        and body.func.attr == name
        and ast.unparse(body.func.value) != owner
    ):
        receiver = [body.func.value]  # Inventory().add(1): the instance comes first
    if isinstance(body, ast.Call) and _called_name(body.func) == name:
        parts = [ast.unparse(r) for r in receiver]
        parts += [ast.get_source_segment(text, a) or ast.unparse(a) for a in body.args]
        for keyword in body.keywords:
            value = ast.get_source_segment(text, keyword.value) or ast.unparse(keyword.value)
            parts.append(f"**{value}" if keyword.arg is None else f"{keyword.arg}={value}")
        return ", ".join(parts)
    if isinstance(body, ast.Tuple) and text.startswith("(") and text.endswith(")"):
        return ", ".join(ast.get_source_segment(text, e) or ast.unparse(e) for e in body.elts)
    try:
        ast.parse(f"_({text})", mode="eval")
    except SyntaxError as exc:
        raise LaunchError(f"'args' is not a Python argument list: {args!r} ({exc.msg})") from None
    except ValueError as exc:
        raise LaunchError(f"'args' is not a Python argument list: {args!r} ({exc})") from None
    return text


def _called_name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""
