"""The code that runs inside the real tracer's child process.

The parent (:mod:`cwm_lsp.trace.child_run`, for :mod:`cwm_lsp.trace.tracer`)
starts ``python -u -c <this file's text> REQUEST.json``; nothing here imports
``cwm_lsp``, so any Python 3.8+ interpreter can run it (the user's own
interpreter included).

The request names the user's file, the entry function, the argument
expressions and the limits.  The child loads the file as module
``__cwm_user__`` (so ``if __name__ == "__main__":`` blocks do not run), turns
``sys.settrace`` on, calls the function and sends one JSON line per frame to
the parent over a dedicated pipe (the file descriptor named in the request),
never over the program's stdout.  The last line is ``{"end": ...}`` saying
how the call ended; when it is missing the parent knows the child was killed
or crashed.

Which frames are recorded: every frame whose code object comes from the
user's file, i.e. the entry function and the functions, lambdas,
comprehensions (separate code objects in 3.11) and generator bodies it runs
from that file; never the standard library, site-packages, the argument
expressions or this module.  Events as ``sys.settrace`` reports them: a
generator's yield is a ``return`` (value: the yielded value) and its
resumption a ``call``.  A ``return`` that follows an ``exception`` in the same
frame (the exception propagates out) carries no value.  Locals are
``frame.f_locals`` (free variables of closures included) minus a
comprehension's hidden ``.0`` iterator.  In a method of a class of the
file, the receiver's plain attributes follow it as ``self.name`` entries
(:func:`receiver_fields`), so a frame shows the instance's state.  An
instance of a class of the file that keeps the default ``__repr__`` is shown
as ``<ClassName>``, such a class as ``<class 'ClassName'>`` (no address, no
module: the same in every run).  An ``async def`` entry function is
run with ``asyncio.run``; a generator entry function is only called (its body
runs when something iterates it, so it records no frames).  Threads the code
starts are not traced, and the child exits with ``os._exit`` once the call
ends, without waiting for them.
"""

from __future__ import annotations

import json
import os
import sys
import types
from collections.abc import Callable
from typing import Any, NoReturn

#: Name the user's module is loaded under (never ``__main__``).
MODULE_NAME = "__cwm_user__"
#: A receiver's attributes recorded per frame, at most.
MAX_FIELDS = 20

_OPEN_CLOSE: dict[type, tuple[str, str]] = {list: ("[", "]"), tuple: ("(", ")"), dict: ("{", "}")}


def bounded_repr(value: Any, limit: int) -> str:
    """``repr(value)``, or a string that starts with its first ``limit`` characters.

    Builtin lists, tuples, dicts and long strings are written only as far as
    needed, so a million-element (or 10,000-deep) list costs as much as a short
    one.  A result longer than ``limit`` may lack its end; callers cut it.
    ``limit <= 0`` means no limit: plain ``repr``.
    """
    if limit <= 0:
        return repr(value)
    return _bounded(value, limit, set())


def _bounded(value: Any, budget: int, active: set[int]) -> str:
    """Invariant: the result is ``repr(value)`` or a prefix of it longer than ``budget``."""
    kind = type(value)
    if kind is str:
        return _bounded_str_repr(value, budget)
    own = own_repr(value)
    if own is not None:
        return own
    if kind not in _OPEN_CLOSE or not value:
        return repr(value)
    opening, closing = _OPEN_CLOSE[kind]
    if id(value) in active:
        return opening + "..." + closing
    if budget <= 0:
        return opening
    active.add(id(value))
    try:
        parts = [opening]
        size = 1
        items = value.items() if kind is dict else value
        for index, item in enumerate(items):
            if index:
                parts.append(", ")
                size += 2
            if kind is dict:
                text = _bounded(item[0], budget - size, active)
                if size + len(text) <= budget:
                    text += ": " + _bounded(item[1], budget - size - len(text) - 2, active)
            else:
                text = _bounded(item, budget - size, active)
            parts.append(text)
            size += len(text)
            if size > budget:
                return "".join(parts)
        if kind is tuple and len(value) == 1:
            parts.append(",")
        parts.append(closing)
        return "".join(parts)
    finally:
        active.discard(id(value))


def own_repr(value: Any) -> str | None:
    """``<Inventory>`` for an instance of a class of the file with ``object``'s
    ``__repr__``, ``<class 'Inventory'>`` for such a class; else None."""
    kind: Any = type(value)
    if kind.__module__ == MODULE_NAME and kind.__repr__ is object.__repr__:
        return "<" + str(kind.__qualname__) + ">"
    if isinstance(value, type) and value.__module__ == MODULE_NAME:
        return (
            "<class " + repr(value.__qualname__) + ">" if kind.__repr__ is type.__repr__ else None
        )
    return None


def _is_method_of(kind: type, code: types.CodeType) -> bool:
    """Is ``code`` the code of a method (or property getter) of ``kind`` or a base?"""
    for klass in kind.__mro__:
        member = klass.__dict__.get(code.co_name)
        if member is not None:
            member = getattr(member, "fget", member)  # a property's getter
            member = getattr(member, "__func__", member)
            return getattr(member, "__code__", None) is code
    return False


def with_receiver(code: types.CodeType, local_vars: Any, shown: dict[str, str], limit: int) -> Any:
    """``shown`` with the receiver's plain attributes (``vars()`` entries named by
    identifiers, no dunders, at most :data:`MAX_FIELDS`) right after it as
    ``self.name``, when ``code`` is a method of the receiver's class of the file."""
    name = code.co_varnames[0] if code.co_argcount else ""
    kind = type(local_vars.get(name))
    if name not in shown or kind.__module__ != MODULE_NAME or not _is_method_of(kind, code):
        return shown
    try:
        attributes = list(vars(local_vars[name]).items())[: MAX_FIELDS * 2]
    except TypeError:  # __slots__
        return shown
    fields = [
        (name + "." + key, show(value, limit))
        for key, value in attributes
        if isinstance(key, str) and key.isidentifier() and not key.startswith("__")
    ][:MAX_FIELDS]
    ordered: dict[str, str] = {}
    for local, text in shown.items():
        ordered[local] = text
        if local == name:
            ordered.update(fields)
    return ordered


def _bounded_str_repr(value: str, budget: int) -> str:
    if len(value) <= max(budget, 0) + 8:
        return repr(value)
    # repr() picks its quote from the whole string; make the prefix pick the same one.
    has_single = "'" in value
    has_double = '"' in value
    prefix = value[: max(budget, 0) + 1]
    if has_single and not has_double:
        return repr(prefix + "'")[:-2]  # uses "..." like the whole string
    if has_single and has_double:
        return repr(prefix + "'\"")[:-4]  # uses '...' with \' escaped
    return repr(prefix)[:-1]


def show(value: Any, limit: int) -> str:
    """The repr the parent receives: at most ``limit + 1`` characters (the parent cuts)."""
    try:
        text = bounded_repr(value, limit)
    except Exception as error:  # a user __repr__ may raise anything
        text = "<repr failed: " + describe_exception(error) + ">"
    if limit > 0 and len(text) > limit + 1:
        text = text[: limit + 1]
    return text


def describe_exception(error: BaseException) -> str:
    """``"ZeroDivisionError: division by zero"`` (module-qualified for non-builtins)."""
    kind = type(error)
    name = kind.__qualname__
    if kind.__module__ not in ("builtins", MODULE_NAME, "__main__"):
        name = kind.__module__ + "." + name
    try:
        message = str(error)
    except Exception:
        message = "<str failed>"
    return name + ": " + message if message else name


class Channel:
    """JSON lines to the parent, written unbuffered so a kill loses nothing sent."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def send(self, message: dict[str, Any]) -> None:
        data = (json.dumps(message) + "\n").encode("ascii")
        try:
            while data:
                written = os.write(self.fd, data)
                data = data[written:]
        except OSError:
            os._exit(70)  # the parent has gone away


def flush_output() -> None:
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            if stream is not None:
                stream.flush()
        except Exception:
            pass


def finish(channel: Channel, end: str, error: str = "") -> NoReturn:
    """Send the end message and leave at once (user threads and atexit do not run)."""
    flush_output()
    channel.send({"end": end, "error": error})
    os._exit(0)


class Recorder:
    """The ``sys.settrace`` functions: one JSON message per frame of the user's file."""

    def __init__(self, channel: Channel, filename: str, max_frames: int, repr_limit: int) -> None:
        self.channel = channel
        self.filename = filename
        self.max_frames = max_frames
        self.repr_limit = repr_limit
        self.count = 0
        self.capped = False
        self.raising: set[int] = set()  # ids of frames whose last event was "exception"

    def stop_recording(self, frame: types.FrameType | None) -> None:
        """The frame cap is reached: record nothing more, but let the call run on.

        A long but finite call still ends (reason "frame cap"); one that never
        ends meets the parent's timeout (reason "timeout").
        """
        self.capped = True
        sys.settrace(None)
        while frame is not None:
            frame.f_trace = None
            frame = frame.f_back
        self.channel.send({"capped": self.max_frames})

    def global_trace(self, frame: types.FrameType, event: str, arg: Any) -> Any:
        if event != "call" or frame.f_code.co_filename != self.filename:
            return None
        self.raising.discard(id(frame))
        self.record(frame, "call", None)
        return self.local_trace

    def local_trace(self, frame: types.FrameType, event: str, arg: Any) -> Any:
        if event == "line":
            self.raising.discard(id(frame))
            self.record(frame, "line", None)
        elif event == "exception":
            self.raising.add(id(frame))
            self.record(frame, "exception", arg[1])
        elif event == "return":
            propagating = id(frame) in self.raising
            self.raising.discard(id(frame))
            self.record(frame, "return", arg, with_value=not propagating)
        return self.local_trace

    def record(
        self, frame: types.FrameType, event: str, value: Any, with_value: bool = True
    ) -> None:
        if self.capped:
            return
        if self.count >= self.max_frames:
            self.stop_recording(frame)
            return
        self.count += 1
        message: dict[str, Any] = {"event": event, "line": frame.f_lineno or 0}
        if event in ("call", "line"):
            limit = self.repr_limit
            shown = {
                str(name): show(local, limit)
                for name, local in frame.f_locals.items()
                if not str(name).startswith(".")  # a comprehension's hidden iterator ".0"
            }
            message["locals"] = with_receiver(frame.f_code, frame.f_locals, shown, limit)
        elif with_value:
            message["value"] = show(value, self.repr_limit)
        self.channel.send(message)


def resolve(module: types.ModuleType, dotted: str) -> Callable[..., Any]:
    target: Any = module
    for part in dotted.split("."):
        owner = target
        target = getattr(target, part)
        plain: Any = owner.__dict__.get(part) if isinstance(owner, type) else None
        if isinstance(plain, property) and plain.fget is not None:
            target = plain.fget  # a property runs its getter on the instance
        elif type(plain).__name__ == "cached_property":
            target = plain.func
    if not callable(target):
        raise TypeError(dotted + " is not callable")
    return target  # type: ignore[no-any-return]


def evaluate(expression: str, namespace: dict[str, Any]) -> Any:
    return eval(compile(expression, "<args>", "eval", dont_inherit=True), namespace)


def main(argv: list[str]) -> None:
    with open(argv[1], encoding="utf-8") as handle:
        request = json.load(handle)
    channel = Channel(int(request["fd"]))
    filename: str = request["file"]
    sys.argv = [filename]
    if sys.path and sys.path[0] in ("", "-c"):
        sys.path[0] = request["path_entry"]
    else:
        sys.path.insert(0, request["path_entry"])

    module = types.ModuleType(MODULE_NAME)
    module.__file__ = filename
    sys.modules[MODULE_NAME] = module
    try:
        with open(filename, "rb") as source_file:
            code = compile(source_file.read(), filename, "exec", dont_inherit=True)
        exec(code, module.__dict__)
    except BaseException as error:
        finish(channel, "load failed", describe_exception(error))

    try:
        function = resolve(module, request["function"])
    except BaseException as error:
        message = "cannot find " + request["function"] + " after loading the file: "
        finish(channel, "input error", message + describe_exception(error))
    try:
        args = [evaluate(text, module.__dict__) for text in request["args"]]
        kwargs = {name: evaluate(text, module.__dict__) for name, text in request["kwargs"]}
    except BaseException as error:
        finish(channel, "input error", "cannot evaluate the args: " + describe_exception(error))

    recorder = Recorder(channel, filename, int(request["max_frames"]), int(request["repr_limit"]))
    is_coroutine = getattr(function, "__code__", None) is not None and bool(
        function.__code__.co_flags & 0x80  # CO_COROUTINE
    )
    runner: Callable[[], Any]
    if is_coroutine:
        import asyncio

        def runner() -> Any:
            return asyncio.run(function(*args, **kwargs))
    else:

        def runner() -> Any:
            return function(*args, **kwargs)

    try:
        sys.settrace(recorder.global_trace)
        try:
            runner()
        finally:
            sys.settrace(None)
    except BaseException as error:
        if recorder.capped:
            finish(
                channel,
                "frame cap",
                cap_message(recorder.max_frames, "raised " + describe_exception(error)),
            )
        finish(channel, "raised", describe_exception(error))
    if recorder.capped:
        finish(channel, "frame cap", cap_message(recorder.max_frames, "returned"))
    finish(channel, "returned")


def cap_message(max_frames: int, outcome: str) -> str:
    return f"stopped recording after {max_frames} frames; the call then {outcome}"


if __name__ == "__main__":
    main(sys.argv)
