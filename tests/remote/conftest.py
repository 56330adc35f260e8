"""The remote engine's fixtures: one real llama-server per model for the whole session.

``default_server`` serves the embedded default model (Qwen2.5-Coder-0.5B, the
generic format), ``tiny_server`` the tiny generated CWM GGUF (the native
format); each is started once and shared.  The in-process models they are
compared with are loaded once too.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from server_process import LLAMA_SERVER, LlamaServer
from tiny_cwm import write_tiny_cwm

from cwm_lsp.model import ModelConfig, ModelLoadError, load_model
from cwm_lsp.model.world import LlamaWorldModel

pytest.importorskip("llama_cpp")

DEFAULT_CTX = 2048
TINY_CTX = 8192


@pytest.fixture(scope="session")
def llama_server_binary() -> Path:
    if not LLAMA_SERVER.is_file():
        pytest.skip("llama-server is not built: run bash scripts/build_llama_server.sh")
    return LLAMA_SERVER


@pytest.fixture(scope="session")
def default_gguf() -> Path:
    from cwm_lsp.model.default import ensure_default_model

    try:
        return ensure_default_model(verify=False)
    except ModelLoadError as error:
        pytest.skip(f"default model unavailable: {error}")


@pytest.fixture(scope="session")
def tiny_gguf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tiny_cwm(tmp_path_factory.mktemp("tiny-remote") / "tiny-cwm.gguf")


@pytest.fixture(scope="session")
def default_server(
    llama_server_binary: Path, default_gguf: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LlamaServer]:
    log = tmp_path_factory.mktemp("llama-server") / "default.log"
    server = LlamaServer(default_gguf, ctx=DEFAULT_CTX, log=log).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def tiny_server(
    llama_server_binary: Path, tiny_gguf: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LlamaServer]:
    log = tmp_path_factory.mktemp("llama-server") / "tiny.log"
    server = LlamaServer(tiny_gguf, ctx=TINY_CTX, log=log).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def default_local() -> Iterator[LlamaWorldModel]:
    """The default model in this process, as the editor runs it without an endpoint, but
    without the shipped adapter: the servers here serve the GGUF alone (no ``--lora``)."""
    try:
        world = load_model(ModelConfig(endpoint="", adapter="", n_ctx=DEFAULT_CTX))
    except ModelLoadError as error:
        pytest.skip(f"default model unavailable: {error}")
    yield world
    world.close()


@pytest.fixture(scope="session")
def default_remote(default_server: LlamaServer) -> Iterator[LlamaWorldModel]:
    world = load_model(ModelConfig(endpoint=default_server.url))
    yield world
    world.close()


@pytest.fixture(scope="session")
def tiny_local(tiny_gguf: Path) -> Iterator[LlamaWorldModel]:
    world = load_model(ModelConfig(path=str(tiny_gguf), endpoint="", n_ctx=TINY_CTX))
    yield world
    world.close()


@pytest.fixture(scope="session")
def tiny_remote(tiny_server: LlamaServer) -> Iterator[LlamaWorldModel]:
    world = load_model(ModelConfig(endpoint=tiny_server.url))
    yield world
    world.close()
