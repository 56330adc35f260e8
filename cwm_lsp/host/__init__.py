"""The model host: the local model in a child process of its own.

A native crash in llama.cpp (a segfault, an out-of-memory, a GGUF that
fails in the kernels) then ends the host, not the language server or the
debug adapter.  :func:`load` is how both get their model:
``ModelConfig.host == "process"`` starts a host
(:class:`~cwm_lsp.host.world.HostWorldModel`), ``"inline"`` loads in this
process.  Restarting a dead host is the model worker's job
(:mod:`cwm_lsp.predict.worker`).
"""

from __future__ import annotations

import os

from cwm_lsp.model.api import ModelConfig, Progress, WorldModel

HOST_MODES = ("process", "inline")
#: overrides where the language server and the debug adapter run the model
HOST_ENV = "CWM_LSP_MODEL_HOST"


def host_mode(setting: str = "") -> str:
    """Where the server's model runs: the setting if it names a mode, else
    ``$CWM_LSP_MODEL_HOST``, else ``"process"``."""
    if setting in HOST_MODES:
        return setting
    env = os.environ.get(HOST_ENV, "")
    return env if env in HOST_MODES else "process"


def load(config: ModelConfig, progress: Progress | None = None) -> WorldModel:
    """The model ``config`` names, in a host process or in this one (``config.host``).

    A model served elsewhere (an endpoint) is only an HTTP client here: it
    needs no host of its own and loads in this process.
    """
    if config.host == "inline" or _served_elsewhere(config):
        from cwm_lsp.model import load_model

        return load_model(config, progress)
    from cwm_lsp.host.world import HostWorldModel

    return HostWorldModel.start(config, progress)


def _served_elsewhere(config: ModelConfig) -> bool:
    try:
        from cwm_lsp.model.remote_loader import endpoint_of
    except ImportError:
        return False
    return endpoint_of(config) is not None


__all__ = ["HOST_ENV", "HOST_MODES", "host_mode", "load"]
