"""Loading the world model a configuration names, once, with clear errors."""

from __future__ import annotations

import os
from dataclasses import replace

from cwm_lsp.engine.llama_loader import gpu_layers, open_llama
from cwm_lsp.formats.generic import prompt_prefix
from cwm_lsp.formats.native import NativeTokens
from cwm_lsp.model.api import ModelConfig, ModelLoadError, Progress
from cwm_lsp.model.calibration import find_calibration
from cwm_lsp.model.prefix_state import prefix_state_enabled, warm_prefix
from cwm_lsp.model.remote_loader import endpoint_of, load_remote_model
from cwm_lsp.model.resolve import adapter_fewshot, resolve_file
from cwm_lsp.model.world import LlamaWorldModel


def load_model(
    config: ModelConfig,
    progress: Progress | None = None,
    *,
    origin_hint: str | None = None,
    constrained: bool = True,
    warm: bool = True,
    endpoint_origin: str | None = None,
) -> LlamaWorldModel:
    """Load the model ``config`` names; raises ModelLoadError naming the path and the cause.

    With an endpoint (``config.endpoint`` or ``CWM_LSP_ENDPOINT``) the model is
    the one that server hosts (:mod:`cwm_lsp.model.remote_loader`).

    ``warm``: leave the generic prompt's fixed prefix evaluated in the cache,
    restored from the state saved on disk when there is one
    (:mod:`cwm_lsp.model.prefix_state`).
    """

    def report(fraction: float, message: str) -> None:
        if progress is not None:
            progress(fraction, message)

    if endpoint_of(config) is not None:  # the model runs on a server
        return load_remote_model(
            config, progress, origin_hint=endpoint_origin, constrained=constrained
        )
    report(0.0, "locating the model")
    info, header = resolve_file(config, origin_hint)
    if not header.architecture:
        raise ModelLoadError(info.path, "the GGUF metadata names no architecture")
    report(0.1, f"loading {os.path.basename(info.path)}")
    n_gpu = gpu_layers(config.n_gpu_layers)
    engine = open_llama(
        info.path,
        architecture=header.architecture,
        n_ctx=config.n_ctx,
        n_threads=config.n_threads,
        n_threads_batch=config.n_threads_batch,
        n_gpu_layers=n_gpu,
        seed=config.seed,
        lora_path=info.adapter or None,
    )
    if info.format == "cwm":
        NativeTokens(engine)  # raises ModelLoadError when a trace token is not a single token
    else:
        report(0.8, "indexing the vocabulary")
        _ = engine.pieces  # the constrained decoder looks tokens up by their bytes
    calibration = find_calibration(info.path, info.adapter)
    report(1.0, "ready")
    info = replace(
        info, n_gpu_layers=n_gpu, calibration=calibration.path if calibration is not None else ""
    )
    model = LlamaWorldModel(engine, info, constrained=constrained)
    model.calibration = calibration
    model.literal_values = config.value_grammar
    model.line_flow = config.line_flow
    model.return_locals = config.return_locals
    model.fewshot = adapter_fewshot(info.adapter)
    if info.format == "generic" and warm and prefix_state_enabled():
        report(0.9, "preparing the prompt")
        model.prefix_report = warm_prefix(
            engine, prompt_prefix(model.fewshot), model_path=info.path, adapter_path=info.adapter
        )
    return model
