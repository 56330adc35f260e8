"""The model room: loading a GGUF, imagined traces (native CWM or generic format), sessions.

Entry points (see docs/CONTRACTS.md): :func:`resolve_model`,
:func:`load_model`, :func:`ensure_default_model`.  Everything heavy
(llama-cpp-python, numpy) is imported only when a model is loaded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cwm_lsp.model.api import (
    HoleFill,
    Imagined,
    ModelConfig,
    ModelFormat,
    ModelInfo,
    ModelLoadError,
    Progress,
    ShouldStop,
    TraceSession,
    WorldModel,
)
from cwm_lsp.model.default import ensure_default_model
from cwm_lsp.model.resolve import resolve_model

if TYPE_CHECKING:
    from cwm_lsp.model.world import LlamaWorldModel


def load_model(
    config: ModelConfig, progress: Progress | None = None, **kwargs: Any
) -> LlamaWorldModel:
    """Load the model ``config`` names (see :func:`cwm_lsp.model.loader.load_model`)."""
    from cwm_lsp.model.loader import load_model as _load

    return _load(config, progress, **kwargs)


__all__ = [
    "HoleFill",
    "Imagined",
    "ModelConfig",
    "ModelFormat",
    "ModelInfo",
    "ModelLoadError",
    "Progress",
    "ShouldStop",
    "TraceSession",
    "WorldModel",
    "ensure_default_model",
    "load_model",
    "resolve_model",
]
