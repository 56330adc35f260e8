"""``ModelConfig.adapter``: which GGUF LoRA loads, checked, shown, part of the cache identity.

The adapters here are written directly with the exporter (random tensors, no
training, no torch): the tiny Qwen2 of tests/train takes them.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from cwm_lsp.model import ModelConfig, ModelLoadError, load_model
from cwm_lsp.model import default as default_module
from cwm_lsp.model.resolve import adapter_fewshot, adapter_path, resolve_model
from cwm_lsp.predict.loading import model_identity

pytest.importorskip("gguf")

from train.tiny_qwen2 import write_tiny_qwen2


def write_lora(path: Path, *, architecture: str = "qwen2", fewshot: bool = False) -> Path:
    from cwm_lsp.train.export import write_adapter

    rng = np.random.default_rng(0)
    tensors = {
        "blk.0.attn_q.weight.lora_a": rng.standard_normal((2, 64)).astype(np.float32) * 0.1,
        "blk.0.attn_q.weight.lora_b": rng.standard_normal((64, 2)).astype(np.float32) * 0.1,
    }
    return write_adapter(
        path, tensors, architecture=architecture, alpha=4.0, fewshot=fewshot, dtype="f32"
    )


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tiny_qwen2(tmp_path_factory.mktemp("tiny-qwen2") / "tiny-qwen2.gguf")


@pytest.fixture
def lora(tmp_path: Path) -> Path:
    return write_lora(tmp_path / "lora.gguf")


def test_an_adapter_path_is_checked_and_named_in_the_info(tiny: Path, lora: Path) -> None:
    info = resolve_model(ModelConfig(path=str(tiny), adapter=str(lora)))
    assert (info.adapter, info.adapter_origin) == (str(lora), "settings")
    hinted = resolve_model(ModelConfig(path=str(tiny), adapter=str(lora)), adapter_hint="--adapter")
    assert hinted.adapter_origin == "--adapter"
    for adapter in (None, ""):
        assert resolve_model(ModelConfig(path=str(tiny), adapter=adapter)).adapter == ""


def test_a_missing_a_non_lora_or_a_foreign_adapter_is_a_clear_error(
    tiny: Path, tmp_path: Path
) -> None:
    cases = {
        str(tmp_path / "absent.gguf"): "adapter file not found",
        str(tiny): "not a GGUF LoRA adapter",
        str(write_lora(tmp_path / "llama.gguf", architecture="llama")): "for llama architecture",
    }
    for adapter, message in cases.items():
        with pytest.raises(ModelLoadError, match=message) as caught:
            resolve_model(ModelConfig(path=str(tiny), adapter=adapter))
        assert caught.value.path == adapter


def test_the_shipped_adapter_goes_with_the_default_model_only(
    monkeypatch: pytest.MonkeyPatch, lora: Path
) -> None:
    shipped = default_module.DEFAULT_ADAPTER_FILE
    assert adapter_path(ModelConfig(), "default") == (shipped, "default")  # the tuned one
    assert default_module.default_adapter() == shipped  # the file in the repo is the one
    monkeypatch.setattr(default_module, "DEFAULT_ADAPTER_FILE", lora)
    monkeypatch.setattr(default_module, "DEFAULT_ADAPTER_SHA256", default_module.file_sha256(lora))
    monkeypatch.setattr(default_module, "DEFAULT_ADAPTER_SIZE", lora.stat().st_size)
    assert adapter_path(ModelConfig(), "default") == (lora, "default")
    other = ModelConfig(path="/elsewhere/model.gguf")
    assert adapter_path(other, "settings") == (None, "")  # another model: none
    by_path = ModelConfig(path=str(default_module.default_model_path()))
    assert adapter_path(by_path, "settings") == (lora, "default")  # the default's own file
    assert adapter_path(ModelConfig(adapter=""), "default") == (None, "")  # turned off
    assert default_module.default_adapter() == lora  # sha256-checked
    monkeypatch.setattr(default_module, "DEFAULT_ADAPTER_SHA256", "0" * 64)
    default_module._verified_adapters.clear()
    with pytest.raises(ModelLoadError, match="sha256"):
        default_module.default_adapter()


def test_the_cache_identity_includes_the_adapter(tiny: Path, lora: Path) -> None:
    plain = model_identity(ModelConfig(path=str(tiny)))
    tuned = model_identity(ModelConfig(path=str(tiny), adapter=str(lora)))
    st = lora.stat()
    assert tuned == f"{plain}+adapter:{lora.resolve()}|{st.st_size}|{st.st_mtime_ns}"
    os.utime(lora, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    assert model_identity(ModelConfig(path=str(tiny), adapter=str(lora))) != tuned  # retrained
    assert model_identity(ModelConfig(path=str(tiny), adapter="")) == plain


def test_the_adapter_says_which_prompt_it_was_trained_on(tmp_path: Path) -> None:
    assert adapter_fewshot("") is True
    assert adapter_fewshot(str(write_lora(tmp_path / "plain.gguf", fewshot=False))) is False
    assert adapter_fewshot(str(write_lora(tmp_path / "shots.gguf", fewshot=True))) is True


def test_llama_cpp_loads_the_model_with_the_adapter(tiny: Path, lora: Path) -> None:
    pytest.importorskip("llama_cpp")
    world = load_model(ModelConfig(path=str(tiny), adapter=str(lora), n_ctx=2048, n_threads=1))
    try:
        assert world.info.adapter == str(lora)
        assert world.fewshot is False
        assert world.imagine("def f(x):\n    return x\n", "f", "1", max_frames=3).trace.frames
    finally:
        world.close()


def test_model_info_shows_the_adapter(tiny: Path, lora: Path, capsys: Any) -> None:
    from cwm_lsp.cli import main

    assert main(["model", "info", "--model", str(tiny), "--adapter", str(lora)]) == 0
    out = capsys.readouterr().out
    assert f"adapter: {lora} (--adapter, " in out
    assert main(["model", "info", "--model", str(tiny)]) == 0
    assert "adapter: none" in capsys.readouterr().out
