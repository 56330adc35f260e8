"""Corpus rows as training examples: the token ids inference would hold, and which it generates.

An example is built by running the generic format itself
(:class:`~cwm_lsp.formats.generic.GenericFormat`, the settings inference uses)
on a :class:`~cwm_lsp.train.teacher.TeacherEngine` that answers every
``sample`` with the true frame's next token.  So the ids are, token for
token, what a session would have pushed and generated had the model been
right at every step, and ``generated`` marks exactly the tokens the model
writes at inference: the event when more than one can come next, the changed
locals' names and values, the line number when more than one line can run,
the returned or raised value.  Forced text is never marked: the prompt, the
entry call (inputs given), the source after the line number, a ``for``
loop's next item read off the state, a fault the line's arithmetic makes
certain, the value of ``return name``, and any choice left with one option.

Each frame is taught as the format would write it after the frames before
it: the changed locals are those that differ from the state the format
holds (a deleted local lingers there, as it does at inference), and text
the format forces is kept as forced (a loop item may list its names in
another order than the tracer) when it means the same frame.  Frames of
comprehensions, generator expressions and lambdas, which ``sys.settrace``
reports and the format never writes, are left out.  A trace the format
cannot write (a frame its constraints or forced text disagree with) is cut
before that frame; the example keeps the frames before it (``complete``
False, ``note`` says why).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from cwm_lsp.engine import Engine
from cwm_lsp.engine.decoder import Decoder
from cwm_lsp.formats.generic import GenericFormat
from cwm_lsp.formats.generic_text import propagates, render_frame
from cwm_lsp.trace import Frame, Trace, frame_depths, scope_base
from cwm_lsp.train.teacher import Diverged, TeacherEngine


@dataclass(frozen=True)
class Example:
    """One trace as training data."""

    id: str
    #: the token ids: prompt, entry call, then the frames
    ids: list[int]
    #: positions in ``ids`` of the tokens the model generates at inference (sorted)
    generated: list[int]
    #: frames written (the entry call included) and the trace's frame count
    frames: int
    total_frames: int
    note: str = ""

    @property
    def complete(self) -> bool:
        return self.frames == self.total_frames

    @property
    def mask(self) -> list[bool]:
        """``mask[i]``: token ``i`` is generated at inference (its loss counts)."""
        marked = [False] * len(self.ids)
        for position in self.generated:
            marked[position] = True
        return marked


@dataclass(frozen=True)
class Skipped:
    """A row that gives no example, and why."""

    id: str
    reason: str


def frame_text(frames: list[Frame], index: int) -> str:
    """``frames[index]`` as the generic format writes it after ``frames[:index]``."""
    frame = frames[index]
    return render_frame(frame, scope_base(frames, index), propagating=propagates(frames, index))


def writable_frames(frames: list[Frame], def_lines: Collection[int]) -> list[Frame]:
    """``frames`` without the frames of code the format does not write: a call that is
    not of a ``def`` of the file (a comprehension, a generator expression, a lambda:
    separate frames to ``sys.settrace``) and everything up to its return."""
    depths = frame_depths(frames)
    kept: list[Frame] = []
    skip_depth: int | None = None
    for frame, depth in zip(frames, depths, strict=True):
        if skip_depth is not None:
            if depth == skip_depth and frame.event == "return":
                skip_depth = None
            continue
        if frame.event == "call" and kept and frame.line not in def_lines:
            skip_depth = depth
            continue
        kept.append(frame)
    return kept


def same_frame(frame: Frame, truth: Frame) -> bool:
    """The same event, line, state and value (the order of the locals aside)."""
    return (
        frame.event == truth.event
        and frame.line == truth.line
        and frame.value == truth.value
        and dict(frame.locals) == dict(truth.locals)
    )


def build_example(
    row: Mapping[str, Any], teacher: TeacherEngine, *, fewshot: bool = True
) -> Example | Skipped:
    """The example for one corpus row (``source``, ``function``, ``args``, ``trace``)."""
    row_id = str(row.get("id", ""))
    try:
        fmt = GenericFormat(teacher, str(row["source"]), str(row["function"]), fewshot=fewshot)
    except (SyntaxError, LookupError) as exc:
        return Skipped(row_id, f"the source cannot be traced: {exc}")
    truth = writable_frames(Trace.from_json(row["trace"]).frames, fmt.index.by_call_line)
    if not truth or truth[0].event != "call":
        return Skipped(row_id, "the trace has no entry call")
    teacher.generated = []
    dec = Decoder(teacher)
    fmt.prompt(dec)
    entry = fmt.entry(dec, str(row["args"]), None)
    if entry.frame is None:
        return Skipped(row_id, entry.error or "the inputs do not bind")
    if dict(entry.frame.locals) != dict(truth[0].locals):
        return Skipped(row_id, "the inputs bind to other values than the real call's")
    history = [entry.frame]
    note = ""
    for index in range(1, len(truth)):
        start = len(dec.tokens)
        # the change since the state the format holds (deleted locals linger there)
        target = frame_text([*history, truth[index]], index)
        teacher.begin(target, start)
        try:
            generated = fmt.generate(dec, history, None, None)
        except Diverged as exc:
            note = f"frame {index}: {exc}"
        else:
            written = teacher.text(dec.tokens[start:], special=False)
            frame = generated.frame
            if frame is not None and (written == target or same_frame(frame, truth[index])):
                history.append(frame)  # forced text may order the locals otherwise: it stays
                continue
            note = f"frame {index}: {generated.error or f'the format wrote {written!r}'}"
        dec.truncate(start)
        teacher.drop_after(start)
        break
    return Example(
        row_id, list(dec.tokens), list(teacher.generated), len(history), len(truth), note
    )


def build_examples(
    rows: Iterable[Mapping[str, Any]], vocab: Engine, *, fewshot: bool = True
) -> Iterator[Example | Skipped]:
    """:func:`build_example` for each row, on one teacher over ``vocab``."""
    teacher = TeacherEngine(vocab)
    for row in rows:
        yield build_example(row, teacher, fewshot=fewshot)
