"""Text for hints and hovers: short labels, full histories, per-iteration tables, and how
an imagined run that did not finish ended."""

from __future__ import annotations

from collections.abc import Callable

from cwm_lsp.lsp.line_values import LineRecord
from cwm_lsp.trace import ELLIPSIS, EndReason, Trace, cut_repr

VALUE_LIMIT = 30
LABEL_LIMIT = 120
HISTORY_SHOWN = 3
LOW_CONFIDENCE = 0.5


EXCEPTION_LIMIT = 60


#: what a hint shows instead of a value too unlikely to be right
HIDDEN = "?"


def _value(
    text: str,
    confidence: float | None = None,
    limit: int = VALUE_LIMIT,
    hide_below: float | None = None,
) -> str:
    """A value for a hint.  ``hide_below`` (calibrated confidence only): a value under it
    shows as ``?``; without it, a raw confidence under :data:`LOW_CONFIDENCE` marks the
    value with a trailing ``?``."""
    if hide_below is not None:
        return (
            HIDDEN if confidence is not None and confidence < hide_below else cut_repr(text, limit)
        )
    shown = cut_repr(text, limit)
    if confidence is not None and confidence < LOW_CONFIDENCE:
        shown += "?"
    return shown


def confidence_note(confidence: float | None, calibrated: bool) -> str:
    """``83% (calibrated)`` or ``41% (model probability, not calibrated)``."""
    if confidence is None:
        return ""
    kind = "calibrated" if calibrated else "model probability, not calibrated"
    return f"{confidence:.0%} ({kind})"


def short_history(values: list[str]) -> str:
    """``0 → 1 → 2 … 6 (7×)`` for long histories; all values when short."""
    if len(values) <= HISTORY_SHOWN + 1:
        return " → ".join(values)
    head = " → ".join(values[:HISTORY_SHOWN])
    return f"{head} {ELLIPSIS} {values[-1]} ({len(values)}×)"


def hint_label(
    rec: LineRecord, real: LineRecord | None = None, min_confidence: float | None = None
) -> str:
    """The inlay hint for one line: what it produced, returned or raised.

    With calibrated confidence, a value whose confidence is under
    ``min_confidence`` shows as ``?`` (the hover still shows the guess).
    """
    hide = min_confidence if rec.calibrated else None
    parts: list[str] = []
    for name in rec.names():
        conf = rec.min_confidence(name)
        if hide is not None and conf is not None and conf < hide:
            text = HIDDEN
        else:
            text = short_history([cut_repr(v, VALUE_LIMIT) for v in rec.history(name)])
            if hide is None and conf is not None and conf < LOW_CONFIDENCE:
                text += "?"
        part = f"{name} = {text}"
        if real is not None:
            real_history = real.history(name)
            if real_history != rec.history(name):
                shown = short_history([cut_repr(v, VALUE_LIMIT) for v in real_history]) or "unset"
                part += f" ≠ real: {shown}"
        parts.append(part)
    if real is not None:
        for name in real.names():
            if name not in rec.names():
                shown = short_history([cut_repr(v, VALUE_LIMIT) for v in real.history(name)])
                parts.append(f"{name} ≠ real: {shown}")
    if rec.inputs and not rec.steps:
        parts.extend(f"{k} = {_value(v)}" for k, v in rec.inputs.items())
    if rec.returns:
        values = [_value(v, c, hide_below=hide) for v, c in rec.returns]
        text = "⇒ " + short_history(values)
        if real is not None and [v for v, _ in real.returns] != [v for v, _ in rec.returns]:
            text += " ≠ real: " + short_history([_value(v) for v, _ in real.returns] or ["—"])
        parts.append(text)
    elif real is not None and real.returns:
        parts.append("≠ real: ⇒ " + short_history([_value(v) for v, _ in real.returns]))
    if rec.raises:
        value, conf = rec.raises[-1]
        parts.append(f"⚠ {_value(value, conf, EXCEPTION_LIMIT, hide_below=hide)}")
    if real is not None and real.raises and not rec.raises:
        parts.append(f"≠ real: ⚠ {_value(real.raises[-1][0], limit=EXCEPTION_LIMIT)}")
    return cut_repr(", ".join(parts), LABEL_LIMIT)


def full_history(rec: LineRecord) -> str:
    """Every value the line produced, for the hint's tooltip."""
    lines: list[str] = []
    for name in rec.names():
        lines.append(f"{name}: " + " → ".join(rec.history(name)))
    if rec.inputs:
        lines.extend(f"{k} = {v}" for k, v in rec.inputs.items())
    for value, _ in rec.returns:
        lines.append(f"returns {value}")
    for value, _ in rec.raises:
        lines.append(f"raises {value}")
    return "\n".join(lines)


def _cell(text: str) -> str:
    return cut_repr(text, 60).replace("|", "\\|").replace("\n", " ")


def hover_table(rec: LineRecord, title: str, real: LineRecord | None = None) -> str:
    """Markdown: one row per execution of the line, one column per variable."""
    out = [f"**{title}**", ""]
    names: list[str] = []
    for step in rec.steps:
        for name in step.state:
            if name not in names:
                names.append(name)
    if rec.steps:
        out.append("| step | " + " | ".join(_cell(n) for n in names) + " |")
        out.append("|---|" + "---|" * len(names))
        for number, step in enumerate(rec.steps, 1):
            cells = []
            for name in names:
                value = step.state.get(name, "")
                cell = _cell(value)
                if name in step.produced:
                    cell = f"**{cell}**"
                    conf = step.confidence.get(name)
                    if conf is not None and (rec.calibrated or conf < LOW_CONFIDENCE):
                        cell += f" ({conf:.0%})"
                cells.append(cell)
            out.append(f"| {number} | " + " | ".join(cells) + " |")
    if rec.inputs:
        out.append("")
        out.append("inputs: " + ", ".join(f"`{k} = {_cell(v)}`" for k, v in rec.inputs.items()))
    for value, conf in rec.returns:
        out.append("")
        note = confidence_note(conf, rec.calibrated)
        out.append(f"returns `{_cell(value)}`" + (f", {note}" if note else ""))
    for value, conf in rec.raises:
        out.append("")
        note = confidence_note(conf, rec.calibrated)
        out.append(f"raises `{_cell(value)}`" + (f", {note}" if note else ""))
    if rec.steps and any(step.confidence for step in rec.steps):
        out.append("")
        out.append(
            "confidence: the probability that the value is right (calibrated)"
            if rec.calibrated
            else "confidence: the model's own probability (no calibration for this model)"
        )
    if real is not None:
        out.append("")
        out.append(
            "**real execution:** "
            + (full_history(real).replace("\n", "; ") or "did not run this line")
        )
    return "\n".join(out)


def unfinished_note(trace: Trace, to_doc_line: Callable[[int], int | None]) -> str | None:
    """How an imagined run that neither returned nor raised stopped: cut at the frame cap
    (``imagined 200 steps, stopped``, no claim about termination), or back at a line with
    the same state; None for other endings.  ``to_doc_line``: a trace line -> 0-based."""
    if trace.reason is EndReason.FRAME_CAP:
        return f"imagined {len(trace.frames)} steps, stopped"
    if trace.reason is EndReason.CYCLE and trace.frames:
        line = to_doc_line(trace.frames[-1].line)
        where = f"line {line + 1}" if line is not None else "a line"
        return f"{where} repeats with the same state: may not terminate"
    return None
