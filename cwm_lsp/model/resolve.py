"""Which model file would load, from where, in which prompt format (no loading)."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from cwm_lsp.engine.gguf_header import GGUFHeader, GGUFHeaderError, read_header
from cwm_lsp.model.api import ModelConfig, ModelFormat, ModelInfo, ModelLoadError
from cwm_lsp.model.default import (
    DEFAULT_MODEL_NAME,
    DEFAULT_MODEL_SIZE,
    default_adapter,
    default_adapter_path,
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


def resolve_model(
    config: ModelConfig, origin_hint: str | None = None, *, adapter_hint: str | None = None
) -> ModelInfo:
    """Describe the model that would load for ``config`` (without loading it).

    The default model not assembled yet is described from its known size
    when its parts are installed; ModelLoadError when no model can be found.
    """
    path, origin = model_path(config, origin_hint)
    if origin == "default" and not path.exists():
        part_files()  # raises ModelLoadError when the parts are not installed
        info = _info(config, path, origin, "generic", DEFAULT_MODEL_SIZE, DEFAULT_MODEL_NAME)
        adapter, adapter_origin = adapter_path(config, origin, adapter_hint)
        return replace(info, adapter=str(adapter or ""), adapter_origin=adapter_origin)
    return resolve_file(config, origin_hint, adapter_hint=adapter_hint)[0]


def resolve_file(
    config: ModelConfig, origin_hint: str | None = None, *, adapter_hint: str | None = None
) -> tuple[ModelInfo, GGUFHeader]:
    """The model's info and header, assembling the default model first if needed; the
    adapter, if any, checked (its header: a LoRA for the model's architecture)."""
    path, origin = model_path(config, origin_hint)
    if origin == "default":
        path = ensure_default_model(verify=False)
    header = inspect_file(path)
    name = DEFAULT_MODEL_NAME if origin == "default" else header.name
    fmt: ModelFormat = "cwm" if header.is_native_cwm else "generic"
    info = _info(config, path, origin, fmt, header.size_bytes, name)
    adapter, adapter_origin = adapter_path(config, origin, adapter_hint)
    if adapter is not None:
        if adapter_origin == "default":
            default_adapter()  # the shipped file, sha256-checked
        inspect_adapter(adapter, header)
        info = replace(info, adapter=str(adapter), adapter_origin=adapter_origin)
    return info, header


def _is_default_file(path: Path) -> bool:
    """Whether a model path (from the settings or $CWM_LSP_MODEL) is the default model's
    own file in the cache: the same GGUF, so the same model, its adapter included."""
    try:
        return path.resolve() == default_model_path().resolve()
    except OSError:
        return False


def adapter_path(
    config: ModelConfig, model_origin: str, origin_hint: str | None = None
) -> tuple[Path | None, str]:
    """(path, origin) of the adapter ``config`` names for a model from ``model_origin``,
    without touching the file; (None, "") for none.

    ``config.adapter`` None: the shipped adapter when the default model loads (and
    one ships); ``""``: none; else the path (origin ``origin_hint`` or "settings").
    """
    if config.adapter is None:
        is_default = model_origin == "default" or _is_default_file(model_path(config)[0])
        shipped = default_adapter_path() if is_default else None
        return (shipped, "default") if shipped is not None else (None, "")
    if not config.adapter:
        return None, ""
    return Path(config.adapter).expanduser(), origin_hint or "settings"


def inspect_adapter(path: Path, base: GGUFHeader) -> GGUFHeader:
    """The header of the GGUF LoRA at ``path``, checked against the base model's header.

    ModelLoadError (naming the adapter) when it is missing, not a LoRA adapter, or
    made for another architecture.
    """
    if not path.is_file():
        raise ModelLoadError(str(path), "adapter file not found")
    try:
        header = read_header(path)
    except (GGUFHeaderError, OSError) as exc:
        raise ModelLoadError(str(path), f"not a readable GGUF adapter: {exc}") from None
    kind = header.metadata.get("general.type")
    if kind != "adapter" or header.metadata.get("adapter.type") != "lora":
        raise ModelLoadError(str(path), f"not a GGUF LoRA adapter (general.type {kind!r})")
    if header.architecture != base.architecture:
        raise ModelLoadError(
            str(path),
            f"the adapter is for {header.architecture or 'no'} architecture, "
            f"the model is {base.architecture}",
        )
    return header


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


#: the adapter metadata key that says whether its prompt opens with the worked examples
#: (written by :mod:`cwm_lsp.train.export`)
FEWSHOT_KEY = "cwm_lsp.prompt.fewshot"


def adapter_fewshot(adapter: str) -> bool:
    """Whether the generic prompt keeps its worked examples with ``adapter`` ("" none: yes).

    An adapter trained by ``cwm-lsp model train`` records the prompt it learnt
    (``cwm_lsp.prompt.fewshot``); any other adapter gets the prompt with the examples.
    """
    if not adapter:
        return True
    try:
        value = read_header(Path(adapter)).metadata.get(FEWSHOT_KEY, True)
    except (GGUFHeaderError, OSError):
        return True
    return bool(value)
