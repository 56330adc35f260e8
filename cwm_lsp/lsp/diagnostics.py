"""Diagnostics from predictions: an imagined uncaught exception (Information) and a
trace that hit the frame cap (Hint, "may not terminate").  Only the current
version's cached predictions count, so they clear when a prediction changes."""

from __future__ import annotations

from lsprotocol import types

from cwm_lsp.lsp.documents import OpenDocument
from cwm_lsp.lsp.feature import LanguageFeature, ServerContext
from cwm_lsp.lsp.line_values import uncaught_exception_line
from cwm_lsp.trace import EndReason, cut_repr

SOURCE = "cwm"


def _line_range(doc: OpenDocument, line: int) -> types.Range:
    text = doc.index.line_text(line) if line < doc.index.line_count else ""
    indent = len(text) - len(text.lstrip())
    return types.Range(
        start=types.Position(line=line, character=indent),
        end=types.Position(line=line, character=doc.line_end(line)),
    )


def diagnostics_for(ls: ServerContext, doc: OpenDocument) -> list[types.Diagnostic]:
    if not ls.settings.features.diagnostics:
        return []
    found: list[types.Diagnostic] = []
    for func in doc.functions():
        plan = doc.cached_plan(func.qualname)
        if plan is None or plan.func != func:
            continue
        prediction = ls.service.prediction(plan.key)
        if prediction is None or prediction.imagined is None:
            continue
        trace = prediction.imagined.trace
        inputs = plan.key.args or trace.args
        with_inputs = f" with {cut_repr(inputs, 60)}" if inputs else ""
        if trace.reason is EndReason.RAISED:
            where = uncaught_exception_line(trace, plan.to_doc_line)
            if where is None:
                continue
            line, value = where
            found.append(
                types.Diagnostic(
                    range=_line_range(doc, line),
                    message=f"predicted to raise {cut_repr(value, 120)}{with_inputs}",
                    severity=types.DiagnosticSeverity.Information,
                    source=SOURCE,
                    code="predicted-exception",
                )
            )
        elif trace.reason is EndReason.FRAME_CAP:
            found.append(
                types.Diagnostic(
                    range=_line_range(doc, func.def_line - 1),
                    message=f"may not terminate: the imagined run{with_inputs} hit {len(trace.frames)} frames",
                    severity=types.DiagnosticSeverity.Hint,
                    source=SOURCE,
                    code="may-not-terminate",
                )
            )
    return found


def publish(ls: ServerContext, doc: OpenDocument) -> None:
    diagnostics = diagnostics_for(ls, doc)
    key = ("published", None)
    if doc.memo.get(key) == diagnostics:
        return
    doc.memo[key] = diagnostics
    ls.text_document_publish_diagnostics(
        types.PublishDiagnosticsParams(uri=doc.uri, version=doc.version, diagnostics=diagnostics)
    )


class Diagnostics(LanguageFeature):
    """Pushed diagnostics: predicted exceptions, runaway loops."""

    def publish(self, ls: ServerContext, doc: OpenDocument) -> None:
        publish(ls, doc)
