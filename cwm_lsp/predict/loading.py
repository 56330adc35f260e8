"""How the server gets its model: the model room's loader, and a model's identity."""

from __future__ import annotations

import os

from cwm_lsp.model.api import ModelConfig, ModelLoadError, Progress, WorldModel


def load_world_model(config: ModelConfig, progress: Progress) -> WorldModel:
    """Load ``config`` with the model room's :func:`cwm_lsp.model.load_model`."""
    try:
        from cwm_lsp.model import load_model
    except ImportError as exc:
        raise ModelLoadError(
            config.path or "default model", f"model support is not available: {exc}"
        ) from exc
    model: WorldModel = load_model(config, progress)
    return model


def model_identity(config: ModelConfig) -> str:
    """What predictions depend on, of the model settings: the file that would load,
    and the decoding switches that are off.

    Cheap (a stat, no reading), so request handlers may call it.  Two settings
    naming the same file (``""`` and the default's explicit path) are one model,
    so switching between them re-uses the cache.  With every switch on (the
    default) the identity is the file's alone.
    """
    switches = (
        (config.value_grammar, "+free-values"),
        (config.line_flow, "+no-flow"),
        (config.return_locals, "+no-return-locals"),
    )
    return _file_identity(config) + "".join(suffix for on, suffix in switches if not on)


def _file_identity(config: ModelConfig) -> str:
    """``realpath|size|mtime`` of the file ``config`` would load (``missing:path`` when absent)."""
    try:
        from cwm_lsp.model.resolve import model_path

        path = str(model_path(config)[0])
    except Exception:
        path = config.path or os.environ.get("CWM_LSP_MODEL", "") or "<default>"
    try:
        st = os.stat(path)
    except OSError:
        return f"missing:{path}"
    return f"{os.path.realpath(path)}|{st.st_size}|{st.st_mtime_ns}"
