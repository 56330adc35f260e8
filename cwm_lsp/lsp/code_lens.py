"""Code lens above each def: the inputs used and where they came from, and the
commands simulate again / simulate with other inputs / run for real and compare."""

from __future__ import annotations

from collections.abc import Callable

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from cwm_lsp.lsp.documents import FunctionPlan, OpenDocument, predictable
from cwm_lsp.lsp.feature import LanguageFeature, ServerContext
from cwm_lsp.lsp.guard import guarded
from cwm_lsp.lsp.render import unfinished_note
from cwm_lsp.predict.service import Prediction
from cwm_lsp.trace import EndReason, cut_repr

#: lenses for at most this many functions per document
LENS_LIMIT = 500


def call_text(name: str, args: str | None) -> str:
    """``f(3)`` from a call expression or an argument list; a method's call as
    written (``Inventory().add(3)``, ``Inventory().total``)."""
    if args is None:
        return f"{name}(…)"
    stripped = args.strip()
    if stripped.endswith(f".{name}") or f".{name}(" in stripped:
        return stripped
    if stripped.endswith(")") and "(" in stripped and not stripped.startswith("("):
        return stripped
    if stripped.startswith("(") and stripped.endswith(")"):
        stripped = stripped[1:-1].rstrip(",")
    return f"{name}({stripped})"


def origin_text(plan: FunctionPlan, origins: dict[str, str] | None = None) -> str:
    """Where the inputs came from; ``origins`` (per input, from the prediction) adds the
    ones that came from elsewhere: ``from call site line 30 (self invented by the model)``,
    ``invented by the model (qty: its default)``."""
    origin = plan.inputs.origin
    line = plan.inputs.line
    if origin == "invented":
        text = "invented by the model"
    elif origin == "comment":
        text = f"from # cwm: comment line {line}" if line else "from # cwm: comment"
    elif line:
        text = f"from {origin} line {line}"
    else:
        text = str(origin)
    notes: list[str] = []
    if origins:
        invented = [k for k, v in origins.items() if v == "invented"]
        if origin != "invented" and invented:
            notes.append(f"{', '.join(invented)} invented by the model")
        defaults = [k for k, v in origins.items() if v == "default"]
        if defaults:
            notes.append(
                f"{', '.join(defaults)}: {'its' if len(defaults) == 1 else 'their'} default"
            )
    return f"{text} ({'; '.join(notes)})" if notes else text


def outcome_text(
    prediction: Prediction | None,
    in_flight: bool,
    to_doc_line: Callable[[int], int | None] = lambda line: None,
) -> str:
    if prediction is None:
        return "simulating…" if in_flight else "not simulated yet"
    if prediction.imagined is None:
        return f"model failed: {cut_repr(prediction.error, 60)}"
    trace = prediction.imagined.trace
    if prediction.partial:
        return f"imagining… {len(trace.frames)} steps"
    if trace.reason is EndReason.RETURNED:
        return f"⇒ {cut_repr(trace.return_value or 'None', 40)}"
    if trace.reason is EndReason.RAISED:
        exc = trace.exception
        return f"⚠ {cut_repr((exc.value if exc else None) or trace.error, 40)}"
    note = unfinished_note(trace, to_doc_line)
    if note is not None:
        return note
    return f"no prediction ({trace.reason.value})"


def lens_title(ls: ServerContext, plan: FunctionPlan) -> str:
    prediction = ls.service.prediction(plan.key)
    args = plan.key.args
    imagined = prediction.imagined if prediction is not None else None
    if imagined is not None and imagined.trace.args:
        args = imagined.trace.args  # the inputs used: a method's receiver included
    call = cut_repr(call_text(plan.func.name, args), 60)
    if not predictable(plan.func):
        return f"cwm: {plan.func.name} has a ?? hole: fill it to simulate"
    outcome = outcome_text(prediction, ls.service.in_flight(plan.key), plan.to_doc_line)
    origins = imagined.input_origins if imagined is not None else None
    return f"cwm: {call} · {origin_text(plan, origins)} · {outcome}"


def lenses_for(ls: ServerContext, doc: OpenDocument) -> list[types.CodeLens]:
    lenses: list[types.CodeLens] = []
    for func in doc.functions()[:LENS_LIMIT]:
        plan = doc.plan(func)
        line = func.def_line - 1
        where = types.Range(
            start=types.Position(line=line, character=0), end=types.Position(line=line, character=0)
        )
        args = [doc.uri, func.qualname]
        lenses.append(
            types.CodeLens(
                range=where,
                command=types.Command(
                    title=lens_title(ls, plan), command="cwm.simulateAgain", arguments=args
                ),
            )
        )
        lenses.append(
            types.CodeLens(
                range=where,
                command=types.Command(
                    title="simulate with other inputs",
                    command="cwm.simulateWithInputs",
                    arguments=args,
                ),
            )
        )
        lenses.append(
            types.CodeLens(
                range=where,
                command=types.Command(
                    title="run for real and compare", command="cwm.runAndCompare", arguments=args
                ),
            )
        )
    return lenses


class CodeLens(LanguageFeature):
    """The lenses above each def."""

    def register(self, server: LanguageServer) -> None:
        @server.feature(
            types.TEXT_DOCUMENT_CODE_LENS, types.CodeLensOptions(resolve_provider=False)
        )
        @guarded(list)
        def code_lens(ls: ServerContext, params: types.CodeLensParams) -> list[types.CodeLens]:
            if not ls.settings.features.code_lens:
                return []
            doc = ls.document(params.text_document.uri)
            if doc is None:
                return []
            return lenses_for(ls, doc)
