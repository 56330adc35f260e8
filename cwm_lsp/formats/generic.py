"""The generic prompt format (any model): text frames under token-level constraints.

See :mod:`cwm_lsp.formats.generic_text` for the frame text.  Constrained
decoding (the default) lets the model choose only among well-formed frames:
the events possible after the previous frame, names that can be locals of
the function being executed, line numbers of lines that can run in it (or
def lines of the file's functions for a call), and values that are Python
reprs (:mod:`cwm_lsp.formats.literal`; ``literal_values=False``: any single
line with balanced quotes and brackets).  The source text after the line
number is forced, never generated; so are a ``for`` loop's next item when the
state holds the iterable (:mod:`cwm_lsp.analysis.loops`) and an exception that a
line's arithmetic raises on the state's numbers (:mod:`cwm_lsp.analysis.faults`).
Without constraints the model writes free text and frames that do not parse
are counted errors.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from cwm_lsp.analysis.flow import RETURN
from cwm_lsp.analysis.source_index import SourceIndex
from cwm_lsp.engine import Accept, Engine, NoValidToken, ShouldStop, TokenRecord, byte_span
from cwm_lsp.engine.decoder import Decoder
from cwm_lsp.engine.remote_hints import guided
from cwm_lsp.formats.base import FrameFormat, Generated
from cwm_lsp.formats.call_args import CallMachine
from cwm_lsp.formats.constraints import (
    ChoiceMachine,
    LineValueMachine,
    LocalsMachine,
    Machine,
    NumberMachine,
)
from cwm_lsp.formats.fewshot import EXAMPLE_SOURCE, EXAMPLES
from cwm_lsp.formats.generic_entry import EntryRules
from cwm_lsp.formats.generic_rules import SourceRules
from cwm_lsp.formats.generic_text import (
    HEADER,
    VALUE_ARROW,
    FrameTextError,
    ParsedFrame,
    numbered_listing,
    parse_frame,
    propagates,
    render_frame,
    render_frames,
)
from cwm_lsp.formats.remote_grammar import machine_grammar
from cwm_lsp.trace import VALUE_KEY, Event, Frame, scope_base

_EVENT_TEXT: dict[Event, str] = {
    "call": "call {",
    "line": "line {",
    "return": "return ",
    "exception": "exception ",
}
#: Files longer than this are listed with only the functions the entry may call.
_LISTING_LIMIT = 120
#: Token cap for one unconstrained frame.
_FREE_FRAME_TOKENS = 160
#: Tokens a remote engine asks for at once, by the part of the frame being written.
_PROPOSAL_TOKENS = {
    "ChoiceMachine": 4,
    "NumberMachine": 4,
    "LocalsMachine": 160,
    "LineValueMachine": 96,
}


def fewshot_prompt() -> str:
    """The header and the examples: the same for every function, so their cache is shared."""
    parts = [HEADER, "\n### File\n", numbered_listing(EXAMPLE_SOURCE.splitlines())]
    for function, args, frames in EXAMPLES:
        parts.append(f"### Trace\n>>> {function}({args})\n{render_frames(frames)}")
    return "".join(parts)


def prompt_prefix(fewshot: bool = True) -> str:
    """The part of every prompt before the file's listing (instructions, worked examples)."""
    head = fewshot_prompt() if fewshot else HEADER
    return f"{head}\n### File\n"


#: ``adapter.lora.task_name`` of an adapter trained on this format: llama-server lists it
#: (``GET /lora-adapters``), so a client tells from the server which prompt the adapter learnt
ADAPTER_TASK_PREFIX = "cwm-lsp:generic:"


def adapter_task_name(fewshot: bool) -> str:
    """The task name an adapter trained on the prompt with (or without) the examples carries."""
    return ADAPTER_TASK_PREFIX + ("fewshot" if fewshot else "header")


def fewshot_of_task_name(task_name: str) -> bool | None:
    """Whether an adapter with this task name learnt the prompt with the examples (None:
    not an adapter of this format)."""
    if not task_name.startswith(ADAPTER_TASK_PREFIX):
        return None
    prompt = task_name[len(ADAPTER_TASK_PREFIX) :]
    return {"fewshot": True, "header": False}.get(prompt)


class GenericFormat(EntryRules, SourceRules, FrameFormat):
    name = "generic"

    def __init__(
        self,
        engine: Engine,
        source: str,
        function: str,
        *,
        constrained: bool = True,
        literal_values: bool = True,
        line_flow: bool = True,
        return_locals: bool = True,
        immutable_reads: bool = True,
        fewshot: bool = True,
    ) -> None:
        super().__init__(engine, source, function)
        #: the prompt opens with the worked examples (off: the header alone, for a
        #: model tuned on the format, see :mod:`cwm_lsp.train`)
        self.fewshot = fewshot
        self.constrained = constrained
        self.literal_values = literal_values
        self.line_flow = line_flow
        self.return_locals = return_locals
        self.immutable_reads = immutable_reads
        self.index = SourceIndex(source)  # SyntaxError when the file does not parse
        self.entry_info = self.index.find(function)
        self.lines = [line.rstrip() for line in source.splitlines()]

    # ------------------------------------------------------------------ prompt

    def listing(self) -> str:
        if len(self.lines) <= _LISTING_LIMIT:
            return numbered_listing(self.lines)
        keep: set[int] = set()
        for info in self.index.called_functions(self.entry_info):
            keep.update(range(info.call_line, info.end_line + 1))
        return numbered_listing(self.lines, keep)

    def prompt(self, dec: Decoder) -> None:
        # The fixed prefix is tokenized on its own, so its tokens (and a saved KV
        # state of them, see cwm_lsp.model.prefix_state) are the same for every file.
        dec.push_text(prompt_prefix(self.fewshot))
        dec.push_text(f"{self.listing()}### Trace\n>>> {self.prompt_call()}")

    def frame_tokens(self, frames: list[Frame], index: int) -> list[int]:
        frame = frames[index]
        text = render_frame(frame, scope_base(frames, index), propagating=propagates(frames, index))
        return self.engine.tokenize(text)

    # ------------------------------------------------------------------ decoding

    def _run(self, dec: Decoder, machine: Machine, should_stop: ShouldStop | None) -> None:
        """Generate tokens under ``machine`` until it is done (forcing a close if runaway)."""
        engine = self.engine

        def accept(token: int) -> bool:
            return machine.accepts(engine.piece(token))

        # A remote engine asks its server for the part's tokens at once, under the
        # grammar of what the machine admits now (cwm_lsp.formats.remote_grammar).
        with guided(
            engine,
            lambda: machine_grammar(machine, literal=self.literal_values),
            max_tokens=_PROPOSAL_TOKENS.get(type(machine).__name__, 32),
            should_stop=should_stop,
        ):
            self._run_machine(dec, machine, accept, should_stop)

    def _run_machine(
        self, dec: Decoder, machine: Machine, accept: Accept, should_stop: ShouldStop | None
    ) -> None:
        engine = self.engine
        while not machine.done:
            if isinstance(machine, CallMachine):
                text = machine.forced()
                if text:
                    dec.push_text(text)  # the call's own text between the values
                    machine.advance(text.encode())
                    continue
            if isinstance(machine, ChoiceMachine):
                forced = machine.forced()
                if forced is not None:
                    rest = forced.encode()[len(machine.buf) :]
                    dec.push_text(rest.decode())
                    machine.advance(rest)
                    continue
            if isinstance(machine, NumberMachine) and len(machine.numbers) == 1:
                rest = next(iter(machine.numbers)) + b":"
                rest = rest[len(machine.buf) :]
                dec.push_text(rest.decode())
                machine.advance(rest)
                continue
            too_long = getattr(machine, "too_long", False)
            options = machine.options()
            allowed = engine.prefix_tokens(options) if options is not None else None
            if not too_long:
                try:
                    token = self.gen(dec, accept, should_stop, allowed)
                except NoValidToken:
                    if not hasattr(machine, "closing"):
                        raise
                    too_long = True  # a dead end inside a value: close it
                else:
                    machine.advance(engine.piece(token))
                    continue
            if too_long:
                try:
                    closing = machine.closing() if hasattr(machine, "closing") else "\n"
                except ValueError as exc:
                    raise NoValidToken(f"cannot close a runaway value: {exc}") from None
                if not machine.accepts(closing.encode()) and isinstance(machine, LocalsMachine):
                    machine.unchanged = {}  # the only way out restates a value: let it
                if not machine.accepts(closing.encode()):
                    raise NoValidToken(f"cannot close a runaway value with {closing!r}")
                dec.push_text(closing)
                machine.advance(closing.encode())

    def generate(
        self,
        dec: Decoder,
        frames: list[Frame],
        force: Event | None,
        should_stop: ShouldStop | None,
    ) -> Generated:
        start = len(dec.tokens)
        if not self.constrained:
            return self._generate_free(dec, frames, start, should_stop)
        scopes = self.scopes(frames)
        if not scopes:
            return Generated(ended=True)
        scope = scopes[-1]
        fault = self.certain_fault(frames, scope) if force is None else None
        if fault is not None:
            dec.push_text(fault)  # the line's arithmetic raises on the state's numbers
            return self._parse(dec, frames, start)
        events = [force] if force else self.allowed_events(frames)
        plan = self.loop_plan(frames) if force in (None, "line") else None
        if isinstance(plan, str):
            dec.push_text(plan)  # the next item of a loop over a known value
            return self._parse(dec, frames, start)
        exits = plan  # the loop is done: only its exits
        if exits is not None:
            events = []
            if exits - {RETURN}:
                events.append("line")
            if RETURN in exits:
                events.append("return")
        try:
            choice = ChoiceMachine(_EVENT_TEXT[e] for e in events)
            self._run(dec, choice, should_stop)
            event = next(e for e in events if _EVENT_TEXT[e] == choice.chosen)
            if event in ("call", "line"):
                if event == "call":
                    pool = sorted({p for f in self.index.functions for p in f.entry_names})
                elif frames[-1].event in ("call", "exception") or exits is not None:
                    pool = []  # the first line sees the call's state; a raise or an ended loop
                    # changes nothing
                else:
                    pool = self.changeable(frames, scope)
                base = self._base(frames) if event == "line" else {}
                local_machine = LocalsMachine(
                    pool, unchanged=dict(base), literal=self.literal_values
                )
                self._run(dec, local_machine, should_stop)
                if event == "call":
                    numbers = self.call_lines(local_machine.used, frames)
                else:
                    numbers = set(scope.lines)
                    following = exits if exits is not None else self.next_lines(frames)
                    if following is not None and numbers & following:
                        numbers &= following  # only lines that can run next
                    last = frames[-1]
                    if not local_machine.used and last.event == "line" and len(numbers) > 1:
                        numbers.discard(last.line)  # nothing changed: not the same line again
            else:
                # sys.settrace reports a return or an exception on the line running now
                position = self.position(frames)
                if position is not None and position[0] != "call":
                    numbers = {position[1]}
                else:
                    numbers = set(scope.lines) or {scope.call_line}
            if not numbers:
                return Generated(error="no function of the file takes these arguments")
            number_machine = NumberMachine(numbers)
            self._run(dec, number_machine, should_stop)
            number = number_machine.number
            source = self.source_of(number)
            propagating = event == "return" and frames[-1].event == "exception"
            if event in ("call", "line") or propagating:
                dec.push_text(f" {source}\n")
            else:
                dec.push_text(f" {source}{VALUE_ARROW}")
                known = (
                    "None"
                    if exits is not None
                    else self.known_return(frames, scope, number, source)
                    if event == "return"
                    else None
                )
                if known is not None:
                    dec.push_text(f"{known}\n")  # what the source says the return gives
                else:
                    self._run(dec, LineValueMachine(literal=self.literal_values), should_stop)
        except NoValidToken as exc:
            return Generated(error=str(exc))
        return self._parse(dec, frames, start)

    def _generate_free(
        self, dec: Decoder, frames: list[Frame], start: int, should_stop: ShouldStop | None
    ) -> Generated:
        for _ in range(_FREE_FRAME_TOKENS):
            token = self.gen(dec, None, should_stop)
            if self.engine.is_eog(token):
                break
            if b"\n" in self.engine.piece(token):
                break
        return self._parse(dec, frames, start)

    # ------------------------------------------------------------------ parsing

    def _parse(self, dec: Decoder, frames: list[Frame], start: int) -> Generated:
        text = self.engine.text(dec.tokens[start:], special=False)
        first_line = text.split("\n", 1)[0]
        try:
            parsed = parse_frame(first_line, self.source_of)
            frame = self.to_frame(parsed, frames)
        except FrameTextError as exc:
            return Generated(error=str(exc))
        record = self.record(dec, start, special=False)
        return Generated(frame=_with_confidence(frame, parsed, first_line, record))

    def to_frame(self, parsed: ParsedFrame, frames: Sequence[Frame]) -> Frame:
        """A Frame from a parsed line, checked against the file and the call stack."""
        scopes = self.scopes(frames)
        event: Event = parsed.event  # type: ignore[assignment]
        if parsed.source.rstrip() != self.source_of(parsed.line):
            raise FrameTextError(f"line {parsed.line} does not read {parsed.source.strip()[:40]!r}")
        if event == "call":
            callee = self.index.by_call_line.get(parsed.line)
            if callee is None:
                raise FrameTextError(f"no function starts at line {parsed.line}")
            state = dict(parsed.delta)
        else:
            if not scopes:
                raise FrameTextError("frame after the end of the trace")
            if parsed.line not in scopes[-1].lines and parsed.line != scopes[-1].call_line:
                raise FrameTextError(f"line {parsed.line} is not in {scopes[-1].name}()")
            if event == "line":
                probe = [*frames, Frame(event="line", line=parsed.line, source="")]
                base = scope_base(probe, len(probe) - 1) or {}
                state = {**base, **parsed.delta}
            else:
                state = {}
        propagating = event == "return" and bool(frames) and frames[-1].event == "exception"
        if event in ("return", "exception") and parsed.value is None and not propagating:
            raise FrameTextError(f"{event} frame has no value")
        return Frame(
            event=event,
            line=parsed.line,
            source=self.source_of(parsed.line),
            locals=state,
            value=parsed.value,
        )


def _with_confidence(frame: Frame, parsed: ParsedFrame, text: str, record: TokenRecord) -> Frame:
    confidence: dict[str, float] = {}
    if parsed.event in ("call", "line"):
        for name in parsed.delta:
            match = re.search(r"(?:\{|, )" + re.escape(name) + "=", text)
            if match is None:
                continue
            value_start = match.end()
            value_end = value_start + len(parsed.delta[name])
            confidence[name] = record.confidence(*byte_span(text, value_start, value_end))
    elif parsed.value is not None:
        at = text.rfind(VALUE_ARROW)
        if at >= 0:
            value_start = at + len(VALUE_ARROW)
            confidence[VALUE_KEY] = record.confidence(*byte_span(text, value_start, len(text)))
    if not confidence:
        return frame
    return replace(frame, confidence=confidence)
