"""Loading the world model a configuration names, once, with clear errors."""

from __future__ import annotations

import os
from dataclasses import replace

from cwm_lsp.engine.llama_loader import gpu_layers, open_llama
from cwm_lsp.formats.native import NativeTokens
from cwm_lsp.model.api import ModelConfig, ModelLoadError, Progress
from cwm_lsp.model.resolve import resolve_file
from cwm_lsp.model.world import LlamaWorldModel


def load_model(
    config: ModelConfig,
    progress: Progress | None = None,
    *,
    origin_hint: str | None = None,
    constrained: bool = True,
) -> LlamaWorldModel:
    """Load the model ``config`` names; raises ModelLoadError naming the path and the cause."""

    def report(fraction: float, message: str) -> None:
        if progress is not None:
            progress(fraction, message)

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
    )
    if info.format == "cwm":
        NativeTokens(engine)  # raises ModelLoadError when a trace token is not a single token
    else:
        report(0.8, "indexing the vocabulary")
        _ = engine.pieces  # the constrained decoder looks tokens up by their bytes
    report(1.0, "ready")
    model = LlamaWorldModel(engine, replace(info, n_gpu_layers=n_gpu), constrained=constrained)
    model.literal_values = config.value_grammar
    model.line_flow = config.line_flow
    model.return_locals = config.return_locals
    return model
