"""What the traced source says may come next in the generic format's frames.

:class:`SourceRules` answers, for the frames imagined so far, the questions
the generic format's constraints ask: which function runs now, which events
and lines can come next, which locals the current line can change, the next
item of a ``for`` loop over a value the state holds, an exception a line's
arithmetic makes certain, and a return's value where the source states it
(``return name``; ``None`` from ``__init__``, a bare ``return``, the end of
the body).  Every answer
comes from the source's ``ast`` (:mod:`cwm_lsp.analysis`), never from running it;
None means the model decides.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from cwm_lsp.analysis.flow import RETURN
from cwm_lsp.analysis.immutable import is_immutable_repr
from cwm_lsp.analysis.loops import bind
from cwm_lsp.analysis.loops import items as items_of
from cwm_lsp.analysis.source_index import FunctionInfo, SourceIndex
from cwm_lsp.formats.generic_text import render_frame
from cwm_lsp.trace import Event, Frame, frame_depths, scope_base

#: ``return name`` (a bare local): its value is the local's, not a guess.
_RETURN_NAME = re.compile(r"\s*return\s+([A-Za-z_][A-Za-z0-9_]*)\s*(?:#.*)?$")


class SourceRules:
    """The source-derived rules of the generic format (mixed into it)."""

    index: SourceIndex
    entry_info: FunctionInfo
    line_flow: bool
    return_locals: bool
    #: a name the line only reads, holding an immutable value, cannot change
    immutable_reads: bool
    #: the file's lines, right-stripped
    lines: list[str]

    def source_of(self, number: int) -> str:
        return self.lines[number - 1] if 1 <= number <= len(self.lines) else ""

    def scopes(self, frames: Sequence[Frame]) -> list[FunctionInfo]:
        """The functions on the imagined call stack after ``frames`` (innermost last)."""
        stack: list[FunctionInfo] = []
        for frame in frames:
            if frame.event == "call":
                info = self.index.by_call_line.get(frame.line, self.entry_info)
                stack.append(info)
            elif frame.event == "return" and stack:
                stack.pop()
        return stack

    def allowed_events(self, frames: Sequence[Frame]) -> list[Event]:
        last = frames[-1]
        if last.event == "exception":
            # As sys.settrace reports it: the frame handles the exception (a
            # line of the handler runs next) or lets it propagate (returns).
            if self.unguarded(frames):
                return ["return"]  # no try or with around the line: it propagates
            return ["line", "return"]
        if last.event == "return" and len(frames) > 1 and frames[-2].event == "exception":
            return ["exception"]  # the propagating exception arrives in the caller
        events: list[Event]
        if last.event == "call":
            events = ["line"]
        elif last.event == "line" and last.line in self.index.calls_by_line:
            events = ["call", "exception"]  # the line calls a function of the file
        else:
            events = ["line", "call", "return", "exception"]
        following = self.next_lines(frames)
        if following is None:
            return events
        lines_follow = bool(following - {RETURN})
        if last.event == "call" and not lines_follow and RETURN in following:
            return ["return"]  # a body without code
        calls = self.may_call(frames)
        kept = [
            e
            for e in events
            if (e != "line" or lines_follow)
            and (e != "return" or RETURN in following)
            and (e != "call" or calls)
        ]
        return kept or events

    def loop_plan(self, frames: Sequence[Frame]) -> str | frozenset[int] | None:
        """At the header of a ``for`` loop over a value the state holds: the next
        frame's text (the next item), or the loop's exits (no item left); None when
        the model decides."""
        scopes = self.scopes(frames)
        position = self.position(frames)
        if not self.line_flow or not scopes or position is None or position[0] != "line":
            return None
        scope, header = scopes[-1], position[1]
        loop = self.index.loops(scope).get(header)
        flow = self.index.flow(scope)
        following = flow.after(header) if flow is not None else None
        if loop is None or following is None:
            return None
        count, first_state = 0, None
        depths = frame_depths(frames)
        depth = depths[-1] - (1 if frames[-1].event == "return" else 0)
        for frame, d in zip(reversed(frames), reversed(depths), strict=True):
            if d > depth or frame.event == "return":
                continue
            in_loop = loop.header <= frame.line <= loop.end
            if d == depth and frame.event == "exception" and in_loop:
                continue  # raised and handled in the body: the loop goes on
            if d < depth or frame.event != "line" or not in_loop:
                break
            if frame.line == header:
                count, first_state = count + 1, frame.locals
        if first_state is None:
            return None
        found = items_of(loop, first_state)
        inside = set(range(loop.header + 1, loop.end + 1))
        if found is None:
            return None
        if count > len(found):
            exits = frozenset(following - inside)
            return exits or None
        body = sorted(following & inside)
        bound = bind(loop, found[count - 1])
        if len(body) != 1 or bound is None:
            return None
        base = self._base(frames)
        frame = Frame(
            event="line", line=body[0], source=self.source_of(body[0]), locals={**base, **bound}
        )
        return render_frame(frame, base)

    def certain_fault(self, frames: Sequence[Frame], scope: FunctionInfo) -> str | None:
        """At a line of plain arithmetic in ``scope`` (the running function) that raises on
        the state's numbers (``a / zero`` with ``zero = 0``): the exception frame's text;
        None when the model decides."""
        last = frames[-1] if frames else None
        if not self.line_flow or last is None or last.event != "line":
            return None
        faults = self.index.faults(scope)
        if faults is None or last.line not in faults.lines:
            return None
        raised = faults.at(last.line, self._base(frames))
        if raised is None:
            return None
        source = self.source_of(last.line)
        return render_frame(Frame("exception", last.line, source, value=raised), None)

    def unguarded(self, frames: Sequence[Frame]) -> bool:
        """The last exception was raised where nothing in its frame can catch it."""
        scopes = self.scopes(frames)
        if not self.line_flow or not scopes:
            return False
        flow = self.index.flow(scopes[-1])
        return flow is not None and not flow.guarded(frames[-1].line)

    def may_call(self, frames: Sequence[Frame]) -> bool:
        """Can the current line start a frame of the file's code?"""
        scopes = self.scopes(frames)
        position = self.position(frames)
        if self.index.has_classes or not scopes or position is None or position[0] != "line":
            return True
        effects = self.index.effects(scopes[-1])
        return effects is None or effects.may_call(position[1])

    def position(self, frames: Sequence[Frame]) -> tuple[Event, int] | None:
        """The current frame's last call, line or exception event: (event, line)."""
        if not frames:
            return None
        depths = frame_depths(frames)
        depth = depths[-1] - (1 if frames[-1].event == "return" else 0)
        for frame, d in zip(reversed(frames), reversed(depths), strict=True):
            if d < depth:
                return None
            if d == depth and frame.event in ("call", "line", "exception"):
                return frame.event, frame.line
        return None

    def next_lines(self, frames: Sequence[Frame]) -> frozenset[int] | None:
        """Lines (and RETURN) that can come next in the current frame; None: any."""
        scopes = self.scopes(frames)
        position = self.position(frames)
        if not self.line_flow or not scopes or position is None:
            return None
        flow = self.index.flow(scopes[-1])
        if flow is None:
            return None
        event, line = position
        if event == "call":
            return flow.first
        if event == "exception":
            return None  # a handler or the way out: not modelled
        return flow.after(line)

    def changeable(self, frames: Sequence[Frame], scope: FunctionInfo) -> list[str]:
        """Locals that can have changed since the current frame's last line."""
        names = list(scope.names)
        position = self.position(frames)
        effects = self.index.effects(scope) if self.line_flow else None
        if effects is None or position is None or position[0] != "line":
            return names
        changes = effects.changes(position[1])
        if changes is None:
            return names
        base = self._base(frames) if self.immutable_reads else {}
        fixed = {
            n for n in effects.read_only(position[1]) if n in base and is_immutable_repr(base[n])
        }
        return [n for n in names if n in changes and n not in fixed]

    def known_return(
        self, frames: Sequence[Frame], scope: FunctionInfo, line: int, source: str
    ) -> str | None:
        """The value of a return at ``line`` of ``scope`` when the source says it: ``None``
        from ``__init__``, a bare ``return`` or the end of the body
        (:meth:`~cwm_lsp.analysis.flow.LineFlow.returns_none`), else what ``return name``'s
        local holds now; None when the model decides."""
        if not self.return_locals:
            return None
        flow = self.index.flow(scope)
        if scope.name == "__init__" or (flow is not None and flow.returns_none(line)):
            return "None"
        return self.returned_local(frames, "return", source)

    def returned_local(self, frames: Sequence[Frame], event: Event, source: str) -> str | None:
        """The value of ``return name``: what ``name`` holds now (None: the model says)."""
        if not self.return_locals or event != "return":
            return None
        match = _RETURN_NAME.match(source)
        if match is None:
            return None
        value = self._base(frames).get(match.group(1))
        return value if value is not None and "\n" not in value else None

    def _base(self, frames: Sequence[Frame]) -> dict[str, str]:
        probe = [*frames, Frame(event="line", line=0, source="")]
        return dict(scope_base(probe, len(probe) - 1) or {})

    def call_lines(self, names: frozenset[str], frames: Sequence[Frame]) -> set[int]:
        """Def lines of the functions that take these arguments (and that the line calls)."""
        found = {f for f in self.index.functions if names <= set(f.entry_names)}
        called = self.index.calls_by_line.get(_caller_line(frames), set())
        narrowed = {f for f in found if f.name in called}
        return {f.call_line for f in (narrowed or found)}


def _caller_line(frames: Sequence[Frame]) -> int:
    """The line the current function is on (a call made now is made from it)."""
    if not frames:
        return 0
    depths = frame_depths(frames)
    depth = depths[-1] - (1 if frames[-1].event == "return" else 0)
    for frame, d in zip(reversed(frames), reversed(depths), strict=True):
        if d == depth and frame.event in ("line", "call"):
            return frame.line
    return 0
