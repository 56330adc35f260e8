"""Diagnostics from predictions: an imagined uncaught exception (Information), and
"may not terminate" (Warning) only on evidence (:mod:`cwm_lsp.model.termination`): a
``while`` loop the source shows never ends once entered, or an imagined run that came
back to a line with the same state.  A run cut at the frame cap is no evidence: the code
lens says it stopped.  Only the current version's cached predictions count, so they clear
when a prediction changes."""

from __future__ import annotations

from lsprotocol import types

from cwm_lsp.lsp.documents import FunctionPlan, OpenDocument
from cwm_lsp.lsp.feature import LanguageFeature, ServerContext
from cwm_lsp.lsp.line_values import uncaught_exception_line
from cwm_lsp.model.termination import Evidence, termination_evidence
from cwm_lsp.trace import VALUE_KEY, EndReason, Trace, cut_repr

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
        if prediction is None or prediction.imagined is None or prediction.partial:
            continue  # a trace still being imagined says nothing about how it ends
        trace = prediction.imagined.trace
        inputs = plan.key.args or trace.args
        with_inputs = f" with {cut_repr(inputs, 60)}" if inputs else ""
        where = uncaught_exception_line(trace, plan.to_doc_line)
        threshold = ls.settings.prediction.min_confidence
        if trace.reason is EndReason.RAISED and where is not None and _likely(trace, threshold):
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
        for evidence in _evidence(doc, plan, trace):
            shown = plan.to_doc_line(evidence.line)
            if shown is None:
                continue  # in a callee: its own prediction says it
            inputs_note = with_inputs if evidence.kind == "cycle" else ""
            found.append(
                types.Diagnostic(
                    range=_line_range(doc, shown),
                    message=evidence.message(shown + 1) + inputs_note,
                    severity=types.DiagnosticSeverity.Warning,
                    source=SOURCE,
                    code="may-not-terminate",
                )
            )
    return found


def _likely(trace: Trace, threshold: float) -> bool:
    """The predicted exception is shown: its calibrated confidence reaches the threshold
    (a model without a calibration: always, as its raw probability says little)."""
    exc = trace.exception
    if exc is None or not exc.raw_confidence:
        return True
    return exc.confidence.get(VALUE_KEY, 1.0) >= threshold


def _evidence(doc: OpenDocument, plan: FunctionPlan, trace: Trace) -> list[Evidence]:
    """What says the planned function may not terminate (the source parsed once per plan)."""
    key = ("termination", (plan.key, trace.reason, len(trace.frames)))
    cached = doc.memo.get(key)
    if cached is None:
        cached = termination_evidence(plan.key.source, plan.key.function, trace)
        doc.memo[key] = cached
    assert isinstance(cached, list)
    return cached


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
    """Pushed diagnostics: predicted exceptions, loops with evidence they never end."""

    def publish(self, ls: ServerContext, doc: OpenDocument) -> None:
        publish(ls, doc)
