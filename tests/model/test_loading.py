"""Loading: clear errors naming the file, resolution order, the embedded default model."""

from __future__ import annotations

from pathlib import Path

import pytest

from cwm_lsp.model import ModelConfig, ModelLoadError, load_model, resolve_model
from cwm_lsp.model import default as default_model_module


def test_missing_file_is_a_load_error_naming_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope.gguf"
    with pytest.raises(ModelLoadError) as caught:
        load_model(ModelConfig(path=str(missing)))
    assert str(missing) in str(caught.value)
    assert "not found" in caught.value.cause


def test_a_file_that_is_not_gguf_is_refused_before_llama_cpp(tmp_path: Path) -> None:
    bogus = tmp_path / "model.gguf"
    bogus.write_bytes(b"PK\x03\x04" + b"\0" * 4096)
    with pytest.raises(ModelLoadError) as caught:
        load_model(ModelConfig(path=str(bogus)))
    assert str(bogus) in str(caught.value)
    assert "not a GGUF file" in caught.value.cause


def test_a_truncated_gguf_is_refused_with_the_cause(tiny_gguf: Path, tmp_path: Path) -> None:
    data = tiny_gguf.read_bytes()
    for keep in (len(data) // 2, 200):
        cut = tmp_path / f"cut-{keep}.gguf"
        cut.write_bytes(data[:keep])
        with pytest.raises(ModelLoadError) as caught:
            load_model(ModelConfig(path=str(cut)))
        assert str(cut) in str(caught.value)
        assert "truncated" in caught.value.cause


def test_the_environment_variable_names_the_model_when_no_path_is_set(
    tiny_gguf: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CWM_LSP_MODEL", str(tiny_gguf))
    info = resolve_model(ModelConfig())
    assert (info.origin, info.path, info.format) == ("CWM_LSP_MODEL", str(tiny_gguf), "cwm")
    assert info.size_bytes == tiny_gguf.stat().st_size


def test_an_explicit_path_wins_over_the_environment(
    tiny_gguf: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CWM_LSP_MODEL", "/nowhere/model.gguf")
    info = resolve_model(ModelConfig(path=str(tiny_gguf)), "--model")
    assert (info.origin, info.path) == ("--model", str(tiny_gguf))


def test_with_nothing_configured_the_default_model_is_generic(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CWM_LSP_MODEL", raising=False)
    info = resolve_model(ModelConfig())
    assert info.origin == "default"
    assert info.format == "generic"
    assert info.size_bytes == default_model_module.DEFAULT_MODEL_SIZE


def test_the_tiny_model_loads_as_native_cwm(tiny_model) -> None:  # type: ignore[no-untyped-def]
    assert tiny_model.info.format == "cwm"


def test_the_decoding_switches_of_the_config_reach_the_loaded_model(tiny_gguf: Path) -> None:
    config = ModelConfig(
        path=str(tiny_gguf), n_ctx=512, value_grammar=False, line_flow=False, return_locals=False
    )
    world = load_model(config)
    try:
        assert (world.literal_values, world.line_flow, world.return_locals) == (False, False, False)
    finally:
        world.close()


@pytest.mark.slow
def test_a_corrupt_default_model_is_assembled_again_and_verified(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    target = default_model_module.default_model_path()
    assert target.is_relative_to(tmp_path)
    target.parent.mkdir(parents=True)
    target.write_bytes(b"GGUF" + b"\0" * 100)
    path = default_model_module.ensure_default_model()
    assert path == target
    assert default_model_module.is_default_model_valid(path)
    assert not [p for p in target.parent.iterdir() if p.name.startswith(".assemble-")]
