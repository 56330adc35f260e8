"""The model room's entry point for ``cwm-lsp trace`` (imagined and ``--compare``)."""

from __future__ import annotations

import ast
import logging
import sys
from dataclasses import replace

from cwm_lsp.engine.remote_http import RemoteError
from cwm_lsp.model.api import ModelConfig, ModelLoadError
from cwm_lsp.trace import Frame, Trace, cut_repr

log = logging.getLogger(__name__)


def _needs_inputs(source: str, function: str) -> bool:
    """Whether ``function`` has parameters (so empty inputs mean: let the model invent them)."""
    name = function.rsplit(".", 1)[-1]
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return True
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == name:
            a = node.args
            params = [*a.posonlyargs, *a.args]
            if params and params[0].arg in ("self", "cls"):
                params = params[1:]
            required = len(params) - len(a.defaults)
            return required > 0 or any(d is None for d in a.kw_defaults)
    return True


def _cut(frame: Frame, limit: int) -> Frame:
    return replace(
        frame,
        locals={k: cut_repr(v, limit) for k, v in frame.locals.items()},
        value=None if frame.value is None else cut_repr(frame.value, limit),
    )


def imagine_for_cli(
    *,
    path: str,
    source: str,
    function: str,
    args: str | None,
    model: str | None = None,
    endpoint: str | None = None,
    max_frames: int = 200,
    repr_limit: int = 0,
    temperature: float = 0.0,
) -> Trace:
    """Load the model (``--model``, else CWM_LSP_MODEL, else the default) and imagine one trace.

    Empty ``args`` for a function with required parameters means the model
    invents the inputs.  Raises ModelLoadError when no model loads.
    """
    from cwm_lsp.model.loader import load_model

    def progress(fraction: float, message: str) -> None:
        log.info("%3.0f%% %s", fraction * 100, message)

    world = load_model(
        ModelConfig(path=model, endpoint=endpoint or None),
        progress,
        origin_hint="--model" if model else None,
        endpoint_origin="--endpoint" if endpoint else None,
    )
    try:
        given = args if args and args.strip() else None
        if given is None and not _needs_inputs(source, function):
            given = ""
        imagined = world.imagine(
            source,
            function,
            given,
            filename=path,
            temperature=temperature,
            max_frames=max_frames,
        )
    except RemoteError as exc:  # the server hosting the model failed: one clear line
        raise ModelLoadError(world.info.path, str(exc)) from None
    finally:
        world.close()
    trace = imagined.trace
    if imagined.invented_args:
        sys.stderr.write(f"cwm-lsp trace: the model invented the inputs: {trace.args}\n")
    if trace.parse_errors:
        sys.stderr.write(f"cwm-lsp trace: {trace.parse_errors} model frame(s) did not parse\n")
    if repr_limit > 0:
        trace.frames = [_cut(f, repr_limit) for f in trace.frames]
    return trace
