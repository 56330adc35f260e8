"""Traces as readable text tables (the ``cwm-lsp trace`` output).

The "changed" column shows, for a ``line`` frame, the locals that differ
from the previous state of the same scope (what the previous line of that
function produced); for a ``call`` frame, the arguments; ``return`` and
``exception`` frames show their value instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from cwm_lsp.trace.compare import Comparison, compare
from cwm_lsp.trace.types import EndReason, Frame, Trace, changed_locals, cut_repr, frame_depths

SOURCE_WIDTH = 48
CHANGED_WIDTH = 60
VALUE_WIDTH = 40


def changes_per_step(frames: Sequence[Frame]) -> list[dict[str, str]]:
    """For each frame, the locals that changed since the previous state of its scope.

    Same result as ``changed_locals(state_at(frames, i - 1), frames[i].locals)``
    restricted to the frame's own scope, computed in one pass.
    """
    scopes: list[Mapping[str, str]] = []
    changes: list[dict[str, str]] = []
    for frame in frames:
        if frame.event == "call":
            scopes.append(frame.locals)
            changes.append(dict(frame.locals))
        elif frame.event == "line":
            if not scopes:
                scopes.append({})
            changes.append(changed_locals(scopes[-1], frame.locals))
            scopes[-1] = frame.locals
        else:
            changes.append({})
            if frame.event == "return" and scopes:
                scopes.pop()
    return changes


def _show_changes(changes: Mapping[str, str], width: int) -> str:
    return cut_repr(", ".join(f"{name}={value}" for name, value in changes.items()), width)


def _source_cell(frame: Frame, depth: int, width: int) -> str:
    return cut_repr("  " * depth + frame.source.strip(), width)


def ending(trace: Trace) -> str:
    """One line saying how the trace ended."""
    if trace.reason is EndReason.RETURNED:
        value = trace.return_value
        return "returned" if value is None else f"returned {value}"
    detail = f": {trace.error}" if trace.error else ""
    return f"{trace.reason.value}{detail}"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [len(title) for title in header]
    for row in rows:
        widths = [max(width, len(cell)) for width, cell in zip(widths, row, strict=True)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(header, widths, strict=True))]
    lines.append("  ".join("-" * width for width in widths))
    for row in rows:
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
    return [line.rstrip() for line in lines]


def render_table(trace: Trace) -> str:
    """The trace as a table: step, line, event, source, changed locals, value."""
    depths = frame_depths(trace.frames)
    changes = changes_per_step(trace.frames)
    rows = [
        [
            str(step),
            str(frame.line),
            frame.event,
            _source_cell(frame, depths[step], SOURCE_WIDTH),
            _show_changes(changes[step], CHANGED_WIDTH),
            "" if frame.value is None else cut_repr(frame.value, VALUE_WIDTH),
        ]
        for step, frame in enumerate(trace.frames)
    ]
    lines = [call_title(trace), ""]
    lines += _table(["step", "line", "event", "source", "changed", "value"], rows)
    lines += ["", f"{len(trace.frames)} steps, {ending(trace)}"]
    lines += _program_output(trace)
    return "\n".join(lines) + "\n"


def call_title(trace: Trace) -> str:
    """``f(1, 2)``; a call made on an instance as it is (``Inventory().add(1)``)."""
    args = trace.args.strip()
    name = trace.function.rsplit(".", 1)[-1]
    if args.endswith(f".{name}") or f".{name}(" in args:
        return args
    return f"{trace.function}({_args_inside(trace)})"


def _args_inside(trace: Trace) -> str:
    args = trace.args.strip()
    name = trace.function.rsplit(".", 1)[-1]
    for prefix in (f"{trace.function}(", f"{name}("):
        if args.startswith(prefix) and args.endswith(")"):
            return args[len(prefix) : -1]
    return args


def _program_output(trace: Trace) -> list[str]:
    lines: list[str] = []
    for title, text in (("stdout", trace.stdout), ("stderr", trace.stderr)):
        if text:
            lines += ["", f"--- program {title} ---", text.rstrip("\n")]
    return lines


def _side_cell(frame: Frame | None, change: Mapping[str, str]) -> list[str]:
    if frame is None:
        return ["", "", "", ""]
    shown = (
        _show_changes(change, CHANGED_WIDTH // 2)
        if frame.value is None
        else "→ " + cut_repr(frame.value, VALUE_WIDTH // 2)
    )
    return [str(frame.line), frame.event, cut_repr(frame.source.strip(), SOURCE_WIDTH // 2), shown]


def render_side_by_side(imagined: Trace, real: Trace, comparison: Comparison | None = None) -> str:
    """Two traces step by step, mismatches marked ``≠`` and the first divergence ``>>``."""
    comparison = comparison or compare(imagined, real)
    imagined_changes = changes_per_step(imagined.frames)
    real_changes = changes_per_step(real.frames)
    first = comparison.divergence.step if comparison.divergence else -1
    rows: list[list[str]] = []
    for step in range(max(len(imagined.frames), len(real.frames))):
        guess = imagined.frames[step] if step < len(imagined.frames) else None
        fact = real.frames[step] if step < len(real.frames) else None
        mismatch = comparison.mismatch_at(step)
        if step == first:
            mark = ">>"
        elif mismatch is not None or step >= comparison.aligned:
            mark = "≠"
        else:
            mark = ""
        rows.append(
            [
                mark,
                str(step),
                *_side_cell(guess, imagined_changes[step] if guess else {}),
                "|",
                *_side_cell(fact, real_changes[step] if fact else {}),
            ]
        )
    header = [
        "",
        "step",
        "line",
        "imagined",
        "source",
        "changed",
        "|",
        "line",
        "real",
        "source",
        "changed",
    ]
    lines = [call_title(real if real.function else imagined), ""]
    lines += _table(header, rows)
    lines.append("")
    lines.append(f"imagined: {len(imagined.frames)} steps, {ending(imagined)}")
    lines.append(f"real:     {len(real.frames)} steps, {ending(real)}")
    if comparison.divergence is None:
        lines.append("the traces agree at every step")
    else:
        divergence = comparison.divergence
        lines.append(
            f"first divergence at step {divergence.step} ({divergence.kind}): "
            f"{divergence.description}"
        )
        lines.append(f"{comparison.matching_prefix} steps match before it")
    lines += _program_output(real)
    return "\n".join(lines) + "\n"
