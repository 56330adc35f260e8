"""Quick fixes for ``??`` holes, filled by the model; an edit after which the file
would not parse is never offered.  Never waits: candidates not in the cache yet
are scheduled, and the client asks again."""

from __future__ import annotations

import textwrap

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from cwm_lsp.lsp.documents import OpenDocument
from cwm_lsp.lsp.feature import LanguageFeature, ServerContext
from cwm_lsp.lsp.guard import guarded
from cwm_lsp.predict.queue import Priority
from cwm_lsp.source import Hole, parses
from cwm_lsp.trace import cut_repr

PLACEHOLDER = "..."


def _replace(text: str, spans: list[tuple[int, int, str]]) -> str:
    out: list[str] = []
    pos = 0
    for start, end, new in sorted(spans):
        out.append(text[pos:start])
        out.append(new)
        pos = end
    out.append(text[pos:])
    return "".join(out)


def fill_parses(doc: OpenDocument, hole: Hole, candidate: str, holes: list[Hole]) -> bool:
    """Would the file parse with this hole filled (other holes as ``...``)?

    When the rest of the file does not parse anyway, judge the enclosing
    function alone.
    """
    others = [(h.start, h.end, PLACEHOLDER) for h in holes if h != hole]
    edited = _replace(doc.text, [*others, (hole.start, hole.end, candidate)])
    if parses(edited):
        return True
    if parses(_replace(doc.text, [*others, (hole.start, hole.end, PLACEHOLDER)])):
        return False  # the rest parses, so this candidate is what breaks it
    unit, start, end, offset = doc.fill_unit(hole)
    if offset == 0 and len(unit) == len(doc.text):
        return False
    unit_others = [
        (h.start - offset, h.end - offset, PLACEHOLDER)
        for h in holes
        if h != hole and offset <= h.start and h.end <= offset + len(unit)
    ]
    return parses(textwrap.dedent(_replace(unit, [*unit_others, (start, end, candidate)])))


def actions_for(
    ls: ServerContext, doc: OpenDocument, first: int, last: int
) -> list[types.CodeAction]:
    holes = doc.holes()
    actions: list[types.CodeAction] = []
    model = ls.model_identity()
    for hole in holes:
        if hole.end_line < first or hole.line > last:
            continue
        key = doc.fill_key(hole, model)
        if ls.worker_accepts_jobs():
            ls.service.ensure(key, Priority.ACTIVE, owner=doc.uri)
        fills = ls.service.fills(key)
        if fills is None:
            continue
        where = types.Range(
            start=types.Position(line=hole.line, character=hole.character),
            end=types.Position(line=hole.end_line, character=hole.end_character),
        )
        seen: set[str] = set()
        for rank, candidate in enumerate(fills.candidates):
            text = candidate.text
            if not text.strip() or text in seen or "??" in text:
                continue
            seen.add(text)
            if not fill_parses(doc, hole, text, holes):
                continue
            actions.append(
                types.CodeAction(
                    title=f"cwm: fill ?? with {cut_repr(' '.join(text.split()), 60)}",
                    kind=types.CodeActionKind.QuickFix,
                    is_preferred=rank == 0,
                    edit=types.WorkspaceEdit(
                        changes={doc.uri: [types.TextEdit(range=where, new_text=text)]}
                    ),
                )
            )
    return actions


class CodeActions(LanguageFeature):
    """Quick fixes for ``??`` holes."""

    def register(self, server: LanguageServer) -> None:
        @server.feature(
            types.TEXT_DOCUMENT_CODE_ACTION,
            types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]),
        )
        @guarded(list)
        def code_action(
            ls: ServerContext, params: types.CodeActionParams
        ) -> list[types.CodeAction]:
            if not ls.settings.features.code_actions:
                return []
            doc = ls.document(params.text_document.uri)
            if doc is None or "??" not in doc.text:
                return []
            return actions_for(ls, doc, params.range.start.line, params.range.end.line)
