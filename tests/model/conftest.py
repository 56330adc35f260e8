"""Model fixtures: the embedded default model (loaded once) and the tiny generated CWM GGUF."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tiny_cwm import write_tiny_cwm

from cwm_lsp.model import ModelConfig, ModelLoadError, load_model
from cwm_lsp.model.world import LlamaWorldModel

pytest.importorskip("llama_cpp")


@pytest.fixture(scope="session")
def tiny_gguf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny native-CWM GGUF (random weights): see tests/tiny_cwm.py."""
    return write_tiny_cwm(tmp_path_factory.mktemp("tiny") / "tiny-cwm.gguf")


@pytest.fixture(scope="session")
def tiny_model(tiny_gguf: Path) -> Iterator[LlamaWorldModel]:
    world = load_model(ModelConfig(path=str(tiny_gguf), n_ctx=8192, n_threads=2))
    yield world
    world.close()


@pytest.fixture(scope="session")
def tiny_generic(tiny_model: LlamaWorldModel) -> LlamaWorldModel:
    """The tiny random model driven through the generic text format, constrained."""
    return LlamaWorldModel(tiny_model.engine, replace(tiny_model.info, format="generic"))


@pytest.fixture(scope="session")
def default_model() -> Iterator[LlamaWorldModel]:
    """The embedded default model (Qwen2.5-Coder-0.5B-Instruct), loaded once."""
    try:
        world = load_model(ModelConfig(n_ctx=2048, n_threads=2))
    except ModelLoadError as error:
        pytest.skip(f"default model unavailable: {error}")
    yield world
    world.close()
