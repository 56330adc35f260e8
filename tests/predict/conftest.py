"""Fixtures: a worker that owns a scripted model (see scripted_model.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cwm_lsp.model.api import ModelConfig, ModelLoadError, Progress
from cwm_lsp.predict import ModelWorker

from .scripted_model import ScriptedModel


@pytest.fixture
def model() -> ScriptedModel:
    return ScriptedModel()


@pytest.fixture
def worker(model: ScriptedModel) -> Iterator[ModelWorker]:
    def load(config: ModelConfig, progress: Progress) -> ScriptedModel:
        progress(0.5, "half way")
        if config.path == "missing.gguf":
            raise ModelLoadError("missing.gguf", "no such file")
        return model

    w = ModelWorker(load)  # type: ignore[arg-type]
    w.start(ModelConfig(path="scripted.gguf"))
    assert w.wait_loaded(5)
    yield w
    model.gate.set()
    w.stop()
