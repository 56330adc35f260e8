"""Where the adapter gets its WorldModel: loaded here (standalone) or lent by the language server."""

from __future__ import annotations

from typing import Protocol

from cwm_lsp.model.api import ModelConfig, Progress, WorldModel


class ModelSource(Protocol):
    """Returns the model for a GGUF path (None: the configured default). Runs on the model thread."""

    def __call__(self, path: str | None, progress: Progress) -> WorldModel: ...


class LoadedModels:
    """Loads each requested model once and keeps it for later sessions."""

    def __init__(self) -> None:
        self._models: dict[str | None, WorldModel] = {}

    def __call__(self, path: str | None, progress: Progress) -> WorldModel:
        if path not in self._models:
            from cwm_lsp.model import load_model

            self._models[path] = load_model(ModelConfig(path=path), progress)
        return self._models[path]

    def close(self) -> None:
        for model in self._models.values():
            model.close()
        self._models.clear()
