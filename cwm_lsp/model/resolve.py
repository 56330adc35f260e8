"""Which model file would load, from where, in which prompt format (no loading)."""

from __future__ import annotations

import os
from pathlib import Path

from cwm_lsp.engine.gguf_header import GGUFHeader, GGUFHeaderError, read_header
from cwm_lsp.model.api import ModelConfig, ModelFormat, ModelInfo, ModelLoadError
from cwm_lsp.model.default import (
    DEFAULT_MODEL_NAME,
    DEFAULT_MODEL_SIZE,
    default_model_path,
    ensure_default_model,
    part_files,
)

ENV_VAR = "CWM_LSP_MODEL"


def model_path(config: ModelConfig, origin_hint: str | None = None) -> tuple[Path, str]:
    """(path, origin) of the model ``config`` names, without touching the file.

    ``origin_hint`` says where ``config.path`` came from ("--model" or
    "settings"); the default model's path is where it will be assembled.
    """
    if config.path:
        return Path(config.path).expanduser(), origin_hint or "settings"
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        return Path(env).expanduser(), ENV_VAR
    return default_model_path(), "default"


def inspect_file(path: Path) -> GGUFHeader:
    """The GGUF header of ``path``; ModelLoadError (path + cause) when it is unusable."""
    if not path.exists():
        raise ModelLoadError(str(path), "file not found")
    if not path.is_file():
        raise ModelLoadError(str(path), "not a regular file")
    try:
        return read_header(path)
    except GGUFHeaderError as exc:
        raise ModelLoadError(str(path), str(exc)) from None
    except OSError as exc:
        raise ModelLoadError(str(path), exc.strerror or str(exc)) from None


def resolve_model(config: ModelConfig, origin_hint: str | None = None) -> ModelInfo:
    """Describe the model that would load for ``config`` (without loading it).

    The default model not assembled yet is described from its known size
    when its parts are installed; ModelLoadError when no model can be found.
    """
    path, origin = model_path(config, origin_hint)
    if origin == "default" and not path.exists():
        part_files()  # raises ModelLoadError when the parts are not installed
        return _info(config, path, origin, "generic", DEFAULT_MODEL_SIZE, DEFAULT_MODEL_NAME)
    return resolve_file(config, origin_hint)[0]


def resolve_file(
    config: ModelConfig, origin_hint: str | None = None
) -> tuple[ModelInfo, GGUFHeader]:
    """The model's info and header, assembling the default model first if needed."""
    path, origin = model_path(config, origin_hint)
    if origin == "default":
        path = ensure_default_model(verify=False)
    header = inspect_file(path)
    name = DEFAULT_MODEL_NAME if origin == "default" else header.name
    fmt: ModelFormat = "cwm" if header.is_native_cwm else "generic"
    return _info(config, path, origin, fmt, header.size_bytes, name), header


def _info(
    config: ModelConfig, path: Path, origin: str, fmt: ModelFormat, size: int, name: str
) -> ModelInfo:
    return ModelInfo(
        path=str(path),
        origin=origin,
        format=fmt,
        size_bytes=size,
        name=name,
        n_ctx=config.n_ctx,
        n_gpu_layers=config.n_gpu_layers,
    )
