"""Where the adapter gets its WorldModel: loaded here (standalone) or lent by the language server."""

from __future__ import annotations

from typing import Protocol

from cwm_lsp.model.api import HostedModel, ModelConfig, Progress, WorldModel


class ModelSource(Protocol):
    """Returns the model for a GGUF path (None: the configured default). Runs on the model thread."""

    def __call__(self, path: str | None, progress: Progress) -> WorldModel: ...


class LoadedModels:
    """Loads each requested model once and keeps it for later sessions.

    Where it runs is :func:`cwm_lsp.host.host_mode` (a model host process
    unless ``$CWM_LSP_MODEL_HOST`` says ``inline``); a host that died is
    started again by the next launch that asks for it.
    """

    def __init__(self) -> None:
        self._models: dict[str | None, WorldModel] = {}

    def __call__(self, path: str | None, progress: Progress) -> WorldModel:
        from cwm_lsp.host import host_mode, load

        model = self._models.get(path)
        if isinstance(model, HostedModel) and not model.alive:
            del self._models[path]
            model.close()
        if path not in self._models:
            remote = path is not None and path.startswith(("http://", "https://"))
            config = (
                ModelConfig(endpoint=path, host=host_mode())
                if remote
                else ModelConfig(path=path, host=host_mode())
            )
            self._models[path] = load(config, progress)
        return self._models[path]

    def close(self) -> None:
        for model in self._models.values():
            model.close()
        self._models.clear()
