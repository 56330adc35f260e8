"""Hover on a line of a predicted function: a table, one row per execution."""

from __future__ import annotations

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from cwm_lsp.lsp.feature import LanguageFeature, ServerContext
from cwm_lsp.lsp.guard import guarded
from cwm_lsp.lsp.inlay_hints import records_for
from cwm_lsp.lsp.render import hover_table, unfinished_note


class Hover(LanguageFeature):
    """A table of a line's values on hover."""

    def register(self, server: LanguageServer) -> None:
        @server.feature(types.TEXT_DOCUMENT_HOVER)
        @guarded()
        def hover(ls: ServerContext, params: types.HoverParams) -> types.Hover | None:
            if not ls.settings.features.hover:
                return None
            doc = ls.document(params.text_document.uri)
            if doc is None:
                return None
            line = params.position.line
            func = doc.function_at(line)
            if func is None:
                return None
            plan = doc.plan(func)
            records = records_for(ls, doc, plan)
            if records is None:
                return None
            imagined, real = records
            rec = imagined.get(line)
            if rec is None:
                return None
            args = plan.key.args
            prediction = ls.service.prediction(plan.key)
            if args is None and prediction is not None and prediction.imagined is not None:
                args = prediction.imagined.trace.args or None
            title = f"cwm: imagined run of {func.qualname}" + (f" with {args}" if args else "")
            if prediction is not None and prediction.imagined is not None:
                note = unfinished_note(prediction.imagined.trace, plan.to_doc_line)
                title += f" ({note})" if note else ""
            value = hover_table(rec, title, real.get(line) if real is not None else None)
            return types.Hover(
                contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=value),
                range=types.Range(
                    start=types.Position(line=line, character=0),
                    end=types.Position(line=line, character=doc.line_end(line)),
                ),
            )
