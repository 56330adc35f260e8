"""workspace/executeCommand: simulate again, with other inputs, at the cursor; run
for real and compare; the model's status; counters; the private DAP endpoint."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
from typing import Any
from urllib.parse import unquote, urlparse

from pygls.exceptions import JsonRpcInvalidParams, JsonRpcInvalidRequest
from pygls.lsp.server import LanguageServer

from cwm_lsp.lsp.documents import FunctionPlan, OpenDocument, predictable
from cwm_lsp.lsp.feature import LanguageFeature, ServerContext
from cwm_lsp.lsp.guard import guarded
from cwm_lsp.lsp.line_values import line_records
from cwm_lsp.lsp.render import hint_label
from cwm_lsp.predict.queue import Priority
from cwm_lsp.source import FunctionInfo, parses
from cwm_lsp.trace import Trace

log = logging.getLogger(__name__)

#: the real run of "run for real and compare" stops after this long
REAL_TIMEOUT = 10.0


def _function(ls: ServerContext, args: tuple[Any, ...]) -> tuple[OpenDocument, FunctionInfo]:
    if len(args) < 2 or not isinstance(args[0], str) or not isinstance(args[1], str):
        raise JsonRpcInvalidParams(message="expected arguments [uri, functionName]")
    doc = ls.document(args[0])
    if doc is None:
        raise JsonRpcInvalidParams(message=f"document not open: {args[0]}")
    func = doc.function_named(args[1])
    if func is None:
        raise JsonRpcInvalidParams(message=f"no function {args[1]!r} in {args[0]}")
    return doc, func


def _path_of(uri: str) -> str | None:
    parsed = urlparse(uri)
    return unquote(parsed.path) if parsed.scheme == "file" else None


def _compare(plan: FunctionPlan, imagined: Trace, real: Trace) -> list[dict[str, Any]]:
    """Lines whose imagined values differ from the real ones."""
    mine = line_records(imagined, plan.to_doc_line)
    theirs = line_records(real, plan.real_to_doc_line)
    mismatches = []
    for line in sorted(set(mine) | set(theirs)):
        rec, real_rec = mine.get(line), theirs.get(line)
        if rec is None or real_rec is None:
            continue
        label = hint_label(rec, real_rec)
        if "≠ real" in label:
            mismatches.append({"line": line, "hint": label})
    return mismatches


def _to_document_lines(trace: Trace, plan: FunctionPlan) -> Trace:
    """A trace of ``plan.key.source`` with its lines renumbered as in the document."""
    frames = []
    for frame in trace.frames:
        line = plan.to_doc_line(frame.line)
        frames.append(dataclasses.replace(frame, line=0 if line is None else line + 1))
    return dataclasses.replace(trace, frames=frames)


class Commands(LanguageFeature):
    """The ``cwm.*`` commands."""

    def register(self, server: LanguageServer) -> None:
        @server.command("cwm.simulateAgain")
        @guarded()
        def simulate_again(ls: ServerContext, *args: Any) -> dict[str, Any]:
            doc, func = _function(ls, args)
            sample = ls.choices.resample(doc.uri, func.qualname)
            doc = ls.document(doc.uri) or doc
            func = doc.function_named(func.qualname) or func
            ls.schedule(doc, [func])
            return {"function": func.qualname, "sample": sample}

        @server.command("cwm.simulateWithInputs")
        @guarded()
        def simulate_with_inputs(ls: ServerContext, *args: Any) -> dict[str, Any]:
            doc, func = _function(ls, args)
            if len(args) < 3 or not isinstance(args[2], str) or not args[2].strip():
                raise JsonRpcInvalidParams(
                    message=f"give the inputs for {func.qualname}, e.g. {func.name}(3) or 3, 'x'"
                )
            ls.choices.set_inputs(doc.uri, func.qualname, args[2].strip())
            doc = ls.document(doc.uri) or doc
            func = doc.function_named(func.qualname) or func
            ls.schedule(doc, [func])
            return {"function": func.qualname, "args": args[2].strip()}

        @server.command("cwm.simulateAtCursor")
        @guarded()
        def simulate_at_cursor(ls: ServerContext, *args: Any) -> dict[str, Any] | None:
            if len(args) < 2 or not isinstance(args[0], str) or not isinstance(args[1], dict):
                raise JsonRpcInvalidParams(message="expected arguments [uri, {line, character}]")
            doc = ls.document(args[0])
            if doc is None:
                raise JsonRpcInvalidParams(message=f"document not open: {args[0]}")
            func = doc.function_at(int(args[1].get("line", 0)))
            if func is None or not predictable(func):
                return None
            plan = doc.plan(func)
            cached = ls.service.ensure(plan.key, Priority.ACTIVE, owner=doc.uri)
            # the inputs the code lens and the hints use: the source's, else those
            # the model invented for the prediction (a method's receiver included)
            inputs = plan.key.args
            prediction = ls.service.prediction(plan.key)
            if prediction is not None and prediction.imagined is not None:
                inputs = prediction.imagined.trace.args or inputs
            return {"function": func.qualname, "cached": cached, "args": inputs}

        @server.command("cwm.runAndCompare")
        @guarded()
        async def run_and_compare(ls: ServerContext, *args: Any) -> dict[str, Any]:
            if not ls.trusted:
                raise JsonRpcInvalidRequest(
                    message="cwm: this workspace is not trusted, so cwm will not run its code"
                )
            doc, func = _function(ls, args)
            plan = doc.plan(func)
            prediction = ls.service.prediction(plan.key)
            call = plan.key.args
            if prediction is not None and prediction.imagined is not None:
                call = prediction.imagined.trace.args or call  # a method's receiver included
            if call is None:
                raise JsonRpcInvalidRequest(
                    message=f"no inputs for {func.qualname} yet: wait for the prediction or simulate with inputs"
                )
            from cwm_lsp.trace.tracer import TraceInputError, trace_call

            # the whole file when it compiles; else just what the model saw (the
            # function and the functions it calls), its lines mapped back afterwards
            whole_file = parses(doc.text)
            run = functools.partial(
                trace_call,
                doc.text if whole_file else plan.key.source,
                path=_path_of(doc.uri) if whole_file else None,
                function=func.qualname if whole_file else plan.key.function,
                args=call,
                max_frames=max(ls.settings.prediction.max_frames, 1000),
                timeout=REAL_TIMEOUT,
            )
            loop = asyncio.get_running_loop()
            try:
                real = await loop.run_in_executor(None, run)
            except TraceInputError as exc:
                raise JsonRpcInvalidRequest(
                    message=f"cwm: cannot run {func.qualname}: {exc}"
                ) from None
            if not whole_file:
                real = _to_document_lines(real, plan)
            ls.choices.set_real(doc.uri, plan, real)
            doc.memo.clear()
            ls.request_refresh()
            mismatches = (
                _compare(plan, prediction.imagined.trace, real)
                if prediction is not None and prediction.imagined is not None
                else []
            )
            return {
                "function": func.qualname,
                "args": call,
                "reason": real.reason.value,
                "error": real.error,
                "returnValue": real.return_value,
                "frames": len(real.frames),
                "mismatches": mismatches,
            }

        @server.command("cwm.modelStatus")
        @guarded()
        def model_status(ls: ServerContext, *args: Any) -> dict[str, Any]:
            return ls.model_status().to_json()

        @server.command("cwm.stats")
        @guarded()
        def stats(ls: ServerContext, *args: Any) -> dict[str, Any]:
            return {
                **ls.service.stats(),
                "status": ls.model_status().to_json(),
                "documents": len(ls.documents),
            }

        @server.command("cwm.dapEndpoint")
        @guarded()
        async def dap_endpoint(ls: ServerContext, *args: Any) -> dict[str, Any]:
            return await ls.dap_endpoint().start()
