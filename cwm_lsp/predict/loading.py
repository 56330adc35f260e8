"""How the server gets its model: the model room's loader, and a model's identity."""

from __future__ import annotations

import os
from pathlib import Path

from cwm_lsp.model.api import ModelConfig, ModelLoadError, Progress, WorldModel


def load_world_model(config: ModelConfig, progress: Progress) -> WorldModel:
    """Load ``config``: in a model host process (``config.host == "process"``,
    :mod:`cwm_lsp.host`) or in this one (:func:`cwm_lsp.model.load_model`)."""
    try:
        from cwm_lsp.host import load
    except ImportError as exc:
        raise ModelLoadError(
            config.path or "default model", f"model support is not available: {exc}"
        ) from exc
    return load(config, progress)


def model_identity(config: ModelConfig) -> str:
    """What predictions depend on, of the model settings: the file that would load,
    the adapter applied to it, and the decoding switches that are off.

    Cheap (a stat, no reading), so request handlers may call it.  Two settings
    naming the same file (``""`` and the default's explicit path) are one model,
    so switching between them re-uses the cache.  An adapter adds
    ``+adapter:realpath|size|mtime``.  With no adapter and every switch on the
    identity is the file's alone.
    """
    switches = (
        (config.value_grammar, "+free-values"),
        (config.line_flow, "+no-flow"),
        (config.return_locals, "+no-return-locals"),
    )
    remote = _endpoint_identity(config)
    return (remote or _file_identity(config) + _adapter_identity(config)) + "".join(
        suffix for on, suffix in switches if not on
    )


def _endpoint_identity(config: ModelConfig) -> str:
    """``endpoint:URL|model`` when a server hosts the model ("" when it runs here)."""
    try:
        from cwm_lsp.model.remote_loader import endpoint_of
    except ImportError:
        return ""
    found = endpoint_of(config)
    return f"endpoint:{found[0]}|{config.endpoint_model}" if found is not None else ""


def _adapter_identity(config: ModelConfig) -> str:
    """``+adapter:realpath|size|mtime`` of the adapter that would load ("" for none)."""
    try:
        from cwm_lsp.model.resolve import adapter_path, model_path

        adapter = adapter_path(config, model_path(config)[1])[0]
    except Exception:
        adapter = Path(config.adapter) if config.adapter else None
    if adapter is None:
        return ""
    try:
        st = os.stat(adapter)
    except OSError:
        return f"+adapter:missing:{adapter}"
    return f"+adapter:{os.path.realpath(adapter)}|{st.st_size}|{st.st_mtime_ns}"


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
