"""The generic format's entry call: inputs given, completed or invented, always bound.

The trace starts with the call as a user would type it after ``>>>``::

    >>> word_freq('the cat sat')
    >>> Inventory().add('apple', 3)        # a method: its receiver first
    >>> Inventory('shop').total            # a property
    >>> Inventory.make(2)                  # a classmethod (cls is the class)

Given inputs are pushed as they are; a method's inputs that leave its
receiver out get one: the model writes the constructor's arguments.  With no
inputs the model writes the whole call, one literal per required parameter
under :mod:`cwm_lsp.formats.call_args` (a parameter with a default keeps it;
an ``instance`` parameter gets ``Class(...)`` with the constructor's
arguments).  The call is bound to the signature
(:func:`cwm_lsp.analysis.binding.bind_call`) before anything is imagined:
invented inputs that do not bind are drawn again (at most
:data:`MAX_DRAWS` times, sampling), never shown.

The call frame holds the receiver, its fields and the parameters
(``call {self=<Inventory>, self.items={}, name='apple', qty=3} ...``); a
field whose value the constructor's source does not state is written by the
model there.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from typing import TYPE_CHECKING

from cwm_lsp.analysis.binding import Binding, BindingError, bind_call
from cwm_lsp.analysis.param_usage import ANY, Kind, param_kinds
from cwm_lsp.analysis.receivers import (
    FunctionNode,
    Receiver,
    constructor,
    dataclass_fields,
    find_def,
)
from cwm_lsp.analysis.source_index import FunctionInfo, SourceIndex
from cwm_lsp.engine import Engine, NoValidToken, ShouldStop
from cwm_lsp.engine.decoder import Decoder
from cwm_lsp.formats.base import Entry
from cwm_lsp.formats.call_args import CallMachine, Forced, Segment, Value
from cwm_lsp.formats.constraints import Machine
from cwm_lsp.formats.generic_text import FrameTextError, parse_frame, render_frame
from cwm_lsp.trace import Frame

#: invented inputs are drawn at most this many times until they bind
MAX_DRAWS = 3
#: a redraw samples at least this warm (a greedy redraw would repeat itself)
REDRAW_TEMPERATURE = 0.8
#: ``Point(Point(...))``: constructors inside invented inputs go this deep
MAX_NESTING = 2


class EntryRules:
    """The entry call of the generic format (mixed into it)."""

    engine: Engine
    source: str
    function: str
    index: SourceIndex
    entry_info: FunctionInfo
    origins: dict[str, str]

    if TYPE_CHECKING:  # provided by the format this is mixed into

        def source_of(self, number: int) -> str: ...

        def _run(self, dec: Decoder, machine: Machine, should_stop: ShouldStop | None) -> None: ...

        def forget_after(self, length: int) -> None: ...

    # ------------------------------------------------------------------ the call's text

    @property
    def receiver(self) -> Receiver | None:
        return self.index.receiver(self.entry_info)

    def _owner(self) -> str:
        """The class the entry function is defined in ("" for a function)."""
        qualname = self.entry_info.qualname
        parts = qualname.split(".")
        return parts[-2] if len(parts) > 1 and parts[-2] != "<locals>" else ""

    def prompt_call(self) -> str:
        """What the prompt ends with after ``>>> ``: ``f(`` for a function, else nothing
        (the entry writes a method's receiver)."""
        if self._owner():
            return ""
        return f"{self.entry_info.name}("

    def _node(self) -> FunctionNode:
        found = find_def(self.index.tree, self.entry_info.qualname)
        assert found is not None
        return found[0]

    def invented_call(self) -> list[Segment]:
        """The segments of a whole invented call (after :meth:`prompt_call`)."""
        owner, name = self._owner(), self.entry_info.name
        node = self._node()
        receiver = self.receiver
        if not owner:
            return _merge([*self._arguments(node, False, 0), Forced(")\n")])
        if receiver is None or receiver.kind == "classmethod":  # staticmethod, classmethod
            arguments = self._arguments(node, receiver is not None, 0)
            return _merge([Forced(f"{owner}.{name}("), *arguments, Forced(")\n")])
        if name == "__init__":
            return _merge([Forced(f"{owner}("), *self._arguments(node, True, 0), Forced(")\n")])
        instance = self._instance(owner, 0)
        if receiver.kind == "property":
            return _merge([*instance, Forced(f".{name}\n")])
        arguments = self._arguments(node, True, 0)
        return _merge([*instance, Forced(f".{name}("), *arguments, Forced(")\n")])

    def _arguments(self, node: FunctionNode, skip_receiver: bool, depth: int) -> list[Segment]:
        """Slots for the required parameters of ``node`` (those without defaults)."""
        kinds = param_kinds(self.index.tree, node)
        a = node.args
        positional = [*a.posonlyargs, *a.args]
        required = positional[: len(positional) - len(a.defaults)]
        if skip_receiver:
            required = required[1:]
        parts: list[list[Segment]] = [self._value(kinds.get(p.arg, ANY), depth) for p in required]
        for param, default in zip(a.kwonlyargs, a.kw_defaults, strict=True):
            if default is None:
                parts.append([Forced(f"{param.arg}="), *self._value(kinds[param.arg], depth)])
        out: list[Segment] = []
        for i, part in enumerate(parts):
            if i:
                out.append(Forced(", "))
            out += part
        return out

    def _value(self, kind: Kind, depth: int) -> list[Segment]:
        if kind.name != "instance":
            return [Value(kind)]
        if depth >= MAX_NESTING:
            return [Value(ANY)]
        return self._instance(kind.class_name, depth + 1)

    def _instance(self, class_name: str, depth: int) -> list[Segment]:
        """``Class(`` the constructor's required arguments ``)``."""
        init = constructor(self.index.tree, class_name)
        if init is not None:
            inner = self._arguments(init, True, depth)
        else:
            fields = [f for f in dataclass_fields(self.index.tree, class_name) if f.value is None]
            inner = []
            for i, _ in enumerate(fields):
                inner += [Forced(", ")] if i else []
                inner.append(Value(ANY))
        return [Forced(f"{class_name}("), *inner, Forced(")")]

    def _receiver_only(self, binding: Binding) -> list[Segment]:
        """Segments that give inputs without a receiver one: ``Cls(...).m(<given>)``."""
        owner, name = self._owner(), self.entry_info.name
        if self.receiver is not None and self.receiver.kind == "property":
            return _merge([*self._instance(owner, 0), Forced(f".{name}\n")])
        return _merge([*self._instance(owner, 0), Forced(f".{name}({binding.inner})\n")])

    # ------------------------------------------------------------------ the entry

    def entry(self, dec: Decoder, args: str | None, should_stop: ShouldStop | None) -> Entry:
        start = len(dec.tokens)
        self.origins = {}
        invented = args is None
        temperature = dec.temperature
        outcome = Entry(None, "", invented, "no inputs")
        try:
            for draw in range(MAX_DRAWS if invented else 1):
                if draw:  # the inputs drawn did not bind: draw again, sampling
                    dec.truncate(start)
                    self.forget_after(start)
                    dec.temperature = max(temperature, REDRAW_TEMPERATURE)
                last = draw == MAX_DRAWS - 1
                outcome = self._draw(dec, args, should_stop, last=last or not invented)
                if outcome.frame is not None:
                    self.origins = dict(outcome.origins)
                    return outcome
        finally:
            dec.temperature = temperature
        if invented:
            outcome.error = f"invented inputs do not bind ({outcome.error})"
        return outcome

    def _draw(
        self, dec: Decoder, args: str | None, should_stop: ShouldStop | None, *, last: bool
    ) -> Entry:
        """One try: push or generate the call, bind it, push the call frame."""
        origins: dict[str, str] = {}
        receiver = self.receiver
        if args is None:
            generated = self._generate(dec, self.invented_call(), should_stop, last=last)
            if generated is None:
                return Entry(None, "", True, "the model gave no inputs")
            text = generated[:-1] if not self._owner() and generated.endswith(")") else generated
            if not self._owner() and _one_tuple(text):
                text += ","  # f((1, 2)) is one argument, not the argument list (1, 2)
        else:
            try:
                given = bind_call(self.source, self.function, args)
            except SyntaxError as exc:
                return Entry(None, args, False, f"the file does not parse: line {exc.lineno}")
            except BindingError as exc:
                return Entry(None, args, False, f"inputs {args!r}: {exc}")
            if given.needs_receiver:
                completed = self._generate(dec, self._receiver_only(given), should_stop, last=True)
                if completed is None:
                    return Entry(None, args, False, "the model gave no receiver")
                text = completed
                if receiver is not None:
                    origins[receiver.param] = "invented"
            elif self._owner():
                text = given.call
                dec.push_text(f"{text}\n")
            else:
                text = args
                called = args.strip().startswith(f"{self.entry_info.name}(")
                shown = given.inner if called else args  # after ">>> f(": f(3), not f(f(3))
                dec.push_text(f"{shown})\n")
        try:
            binding = bind_call(self.source, self.function, text)
        except (BindingError, SyntaxError) as exc:
            return Entry(None, text, args is None, f"inputs {text!r}: {exc}")
        for name in binding.params:
            if name not in binding.given:
                origins[name] = "default"
            else:
                origins.setdefault(name, "invented" if args is None else "given")
        if receiver is not None:
            origins.setdefault(receiver.param, "invented" if args is None else "given")
        try:
            frame = self._call_frame(dec, binding, should_stop)
        except (NoValidToken, FrameTextError) as exc:
            return Entry(None, text, args is None, f"the receiver's state: {exc}")
        return Entry(frame, text, args is None, origins=origins)

    def _generate(
        self,
        dec: Decoder,
        segments: Sequence[Segment],
        should_stop: ShouldStop | None,
        *,
        last: bool = False,
    ) -> str | None:
        """Decode ``segments`` with the model; the text without its newline, None if stuck
        (on the ``last`` draw a stuck model gets plain values of each kind instead)."""
        start = len(dec.tokens)
        machine = CallMachine(segments)
        try:
            self._run(dec, machine, should_stop)
        except NoValidToken:
            if not last:
                return None
            dec.truncate(start)
            self.forget_after(start)
            dec.push_text(machine.fillers())
        return self.engine.text(dec.tokens[start:]).rstrip("\n")

    def _call_frame(self, dec: Decoder, binding: Binding, should_stop: ShouldStop | None) -> Frame:
        """Push the call frame; the model writes the receiver fields the source leaves open."""
        info = self.entry_info
        source = self.source_of(info.call_line)
        if not binding.pending:
            frame = Frame("call", info.call_line, source, binding.locals)
            dec.push_text(render_frame(frame, None))
            return frame
        assert binding.receiver is not None and binding.receiver_value is not None
        items: list[tuple[str, str | None]] = [
            (binding.receiver.param, binding.receiver_value),
            *binding.fields,
            *binding.params.items(),
        ]
        segments: list[Segment] = [Forced("call {")]
        for i, (name, value) in enumerate(items):
            text = (", " if i else "") + f"{name}=" + (value or "")
            segments.append(Forced(text))
            if value is None:
                segments.append(Value(ANY, reprs=True))
        segments.append(Forced(f"}} {info.call_line}: {source}\n"))
        start = len(dec.tokens)
        self._run(dec, CallMachine(_merge(segments)), should_stop)
        line = self.engine.text(dec.tokens[start:]).split("\n", 1)[0]
        parsed = parse_frame(line, self.source_of)
        return Frame("call", info.call_line, source, parsed.delta)


def _one_tuple(text: str) -> bool:
    """Is ``text`` one parenthesised tuple (which inputs text reads as the argument list)?"""
    stripped = text.strip()
    if not (stripped.startswith("(") and stripped.endswith(")")):
        return False
    try:
        return isinstance(ast.parse(stripped, mode="eval").body, ast.Tuple)
    except SyntaxError:
        return False


def _merge(segments: Sequence[Segment]) -> list[Segment]:
    """Adjacent forced texts as one."""
    out: list[Segment] = []
    for segment in segments:
        if isinstance(segment, Forced) and out and isinstance(out[-1], Forced):
            out[-1] = Forced(out[-1].text + segment.text)
        elif not (isinstance(segment, Forced) and not segment.text):
            out.append(segment)
    return out
