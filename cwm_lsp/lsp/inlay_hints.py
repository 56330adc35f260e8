"""Inlay hints: at the end of each line of a predicted function, what it produced."""

from __future__ import annotations

from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from cwm_lsp.lsp.documents import FunctionPlan, OpenDocument, predictable
from cwm_lsp.lsp.feature import LanguageFeature, ServerContext
from cwm_lsp.lsp.guard import guarded
from cwm_lsp.lsp.line_values import LineRecord, line_records
from cwm_lsp.lsp.render import full_history, hint_label, unfinished_note
from cwm_lsp.predict.queue import Priority


def records_for(
    ls: ServerContext, doc: OpenDocument, plan: FunctionPlan
) -> tuple[dict[int, LineRecord], dict[int, LineRecord] | None] | None:
    """Imagined (and, after run-and-compare, real) records per document line; memoised."""
    prediction = ls.service.prediction(plan.key)
    if prediction is None or prediction.imagined is None:
        return None
    real = ls.choices.real_for(doc.uri, plan)
    memo_key = ("records", plan.func.qualname)
    cached = doc.memo.get(memo_key)
    if isinstance(cached, tuple) and cached[0] is prediction and cached[1] is real:
        return cached[2], cached[3]  # type: ignore[no-any-return]
    imagined = line_records(prediction.imagined.trace, plan.to_doc_line)
    real_records = line_records(real, plan.real_to_doc_line) if real is not None else None
    doc.memo[memo_key] = (prediction, real, imagined, real_records)
    return imagined, real_records


def hints_for_function(
    ls: ServerContext, doc: OpenDocument, plan: FunctionPlan
) -> list[types.InlayHint]:
    records = records_for(ls, doc, plan)
    if records is None:
        return []
    memo_key = ("hints", plan.func.qualname)
    cached = doc.memo.get(memo_key)
    if isinstance(cached, tuple) and cached[0] is records[0] and cached[1] is records[1]:
        return cached[2]  # type: ignore[no-any-return]
    imagined, real = records
    hints: list[types.InlayHint] = []
    lines = sorted(set(imagined) | set(real or {}))
    for line in lines:
        rec = imagined.get(line) or LineRecord(line)
        label = hint_label(
            rec,
            real.get(line) if real is not None else None,
            ls.settings.prediction.min_confidence,
        )
        if not label:
            continue
        hints.append(
            types.InlayHint(
                position=types.Position(line=line, character=doc.line_end(line)),
                label=label,
                padding_left=True,
                data={"uri": doc.uri, "function": plan.func.qualname, "line": line},
            )
        )
    doc.memo[memo_key] = (records[0], records[1], hints)
    return hints


class InlayHints(LanguageFeature):
    """Inlay hints, resolved with each line's full history."""

    def register(self, server: LanguageServer) -> None:
        @server.feature(
            types.TEXT_DOCUMENT_INLAY_HINT, types.InlayHintOptions(resolve_provider=True)
        )
        @guarded(list)
        def inlay_hint(ls: ServerContext, params: types.InlayHintParams) -> list[types.InlayHint]:
            if not ls.settings.features.inlay_hints:
                return []
            doc = ls.document(params.text_document.uri)
            if doc is None:
                return []
            first, last = params.range.start.line, params.range.end.line
            hints: list[types.InlayHint] = []
            accepts = ls.worker_accepts_jobs()
            for func in doc.functions_between(first, last):
                plan = doc.plan(func)
                if accepts and predictable(func):
                    ls.service.ensure(plan.key, Priority.VISIBLE, owner=doc.uri)
                hints.extend(
                    h for h in hints_for_function(ls, doc, plan) if first <= h.position.line <= last
                )
            return hints

        @server.feature(types.INLAY_HINT_RESOLVE)
        @guarded(lambda: None)
        def inlay_hint_resolve(ls: ServerContext, hint: types.InlayHint) -> types.InlayHint:
            data: Any = hint.data
            if not isinstance(data, dict):
                return hint
            doc = ls.document(str(data.get("uri")))
            func = doc.function_named(str(data.get("function"))) if doc is not None else None
            if doc is None or func is None:
                return hint
            plan = doc.plan(func)
            records = records_for(ls, doc, plan)
            if records is None:
                return hint
            line = int(data.get("line", -1))
            parts: list[str] = []
            rec = records[0].get(line)
            if rec is not None:
                parts.append(full_history(rec))
            if records[1] is not None and line in records[1]:
                parts.append("real execution:\n" + full_history(records[1][line]))
            prediction = ls.service.prediction(plan.key)
            if prediction is not None and prediction.imagined is not None:
                note = unfinished_note(prediction.imagined.trace, plan.to_doc_line)
                if note is not None:
                    parts.append(f"the imagined run: {note}")
            hint.tooltip = types.MarkupContent(
                kind=types.MarkupKind.PlainText, value="\n".join(p for p in parts if p)
            )
            return hint
