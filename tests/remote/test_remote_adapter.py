"""A llama-server that applies the trained default adapter (``--lora default-lora.gguf``).

The server lists the adapter with the task name its GGUF carries
(``adapter.lora.task_name = cwm-lsp:generic:header``), so the client builds the
prompt that adapter learnt (the header alone, no worked examples) and imagines
what the tuned default imagines in this process.  A server that applies an
adapter cwm-lsp did not train, or loads ours without applying it, gets the
untuned model's few-shot prompt.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from server_process import REPO_ROOT, LlamaServer

from cwm_lsp.engine.remote_api import ServerAdapter, ServerProps
from cwm_lsp.model import ModelConfig, ModelLoadError, load_model
from cwm_lsp.model.remote_loader import describe_adapters, trained_adapter
from cwm_lsp.model.world import LlamaWorldModel
from cwm_lsp.trace import Frame

CTX = 2048
COUNT = "def f(s, c):\n    n = 0\n    for x in s:\n        n += int(x == c)\n    return n\n"


def shape(frame: Frame) -> tuple[Any, ...]:
    return (frame.event, frame.line, dict(frame.locals), frame.value)


@pytest.fixture(scope="module")
def shipped_adapter() -> Path:
    from cwm_lsp.model.default import default_adapter

    path = default_adapter()
    if path is None:
        pytest.skip("the default adapter is not shipped in this checkout")
    return path


@pytest.fixture(scope="module")
def tuned_server(
    llama_server_binary: Path,
    default_gguf: Path,
    shipped_adapter: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LlamaServer]:
    log = tmp_path_factory.mktemp("llama-server") / "tuned.log"
    server = LlamaServer(default_gguf, ctx=CTX, log=log, lora=shipped_adapter).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def tuned_local() -> Iterator[LlamaWorldModel]:
    """The tuned default in this process: the default model with its shipped adapter."""
    try:
        world = load_model(ModelConfig(endpoint="", n_ctx=CTX))
    except ModelLoadError as error:
        pytest.skip(f"default model unavailable: {error}")
    yield world
    world.close()


def test_the_server_names_the_adapter_and_the_client_drops_the_worked_examples(
    tuned_server: LlamaServer, shipped_adapter: Path
) -> None:
    remote = load_model(ModelConfig(endpoint=tuned_server.url))
    try:
        assert remote.fewshot is False
        assert remote.info.adapter.endswith(shipped_adapter.name)
        assert remote.info.adapter_origin == "the server"
    finally:
        remote.close()


def test_frames_over_the_wire_equal_the_tuned_default_in_process(
    tuned_server: LlamaServer, tuned_local: LlamaWorldModel
) -> None:
    assert tuned_local.fewshot is False and tuned_local.info.adapter
    remote = load_model(ModelConfig(endpoint=tuned_server.url))
    try:
        local = tuned_local.imagine(COUNT, "f", "'abca', 'a'", max_frames=8)
        wire = remote.imagine(COUNT, "f", "'abca', 'a'", max_frames=8)
        assert len(local.trace.frames) == 8
        assert [shape(f) for f in wire.trace.frames] == [shape(f) for f in local.trace.frames]
    finally:
        remote.close()


def test_model_info_shows_the_servers_adapter_and_its_prompt(
    tuned_server: LlamaServer, shipped_adapter: Path
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cwm_lsp", "model", "info", "--endpoint", tuned_server.url],
        capture_output=True, text=True, timeout=120, cwd=REPO_ROOT, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    line = next(x for x in result.stdout.splitlines() if x.startswith("adapter:"))
    assert shipped_adapter.name in line
    assert "scale 1; trained by cwm-lsp, the header-only prompt" in line


def props_with(*adapters: ServerAdapter) -> ServerProps:
    return ServerProps(
        model="m", n_ctx=2048, total_slots=1, bos_text="", eos_text="", build="", raw={},
        adapters=adapters,
    )  # fmt: skip


def test_only_an_applied_adapter_that_cwm_lsp_trained_changes_the_prompt() -> None:
    ours = ServerAdapter(
        id=0, path="default-lora.gguf", scale=1.0, task_name="cwm-lsp:generic:header"
    )
    theirs = ServerAdapter(id=1, path="style.gguf", scale=1.0, task_name="")
    assert trained_adapter(props_with()) is None
    assert trained_adapter(props_with(theirs)) is None
    assert trained_adapter(props_with(ServerAdapter(0, "a.gguf", 0.0, ours.task_name))) is None
    assert trained_adapter(props_with(theirs, ours)) == (ours, False)
    fewshot = ServerAdapter(id=0, path="f.gguf", scale=0.5, task_name="cwm-lsp:generic:fewshot")
    assert trained_adapter(props_with(fewshot)) == (fewshot, True)
    unknown = ServerAdapter(id=0, path="x.gguf", scale=1.0, task_name="cwm-lsp:generic:other")
    assert trained_adapter(props_with(unknown)) is None


def test_model_info_words_for_the_adapters_a_server_loaded() -> None:
    ours = ServerAdapter(id=0, path="/srv/default-lora.gguf", scale=1.0,
                         task_name="cwm-lsp:generic:header")  # fmt: skip
    idle = ServerAdapter(id=1, path="/srv/idle.gguf", scale=0.0, task_name="")
    style = ServerAdapter(id=2, path="/srv/style.gguf", scale=0.5, task_name="")
    assert describe_adapters(props_with()) == "none"
    assert describe_adapters(props_with(ours, idle, style)) == (
        "/srv/default-lora.gguf (scale 1; trained by cwm-lsp, the header-only prompt); "
        "/srv/idle.gguf (loaded, not applied); "
        "/srv/style.gguf (scale 0.5; not trained by cwm-lsp: the few-shot prompt)"
    )
