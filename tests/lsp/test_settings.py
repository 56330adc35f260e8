"""Settings from initializationOptions and didChangeConfiguration (docs/CONTRACTS.md)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from cwm_lsp.host import host_mode
from cwm_lsp.lsp.settings import Settings, parse_settings, unwrap
from cwm_lsp.model.api import ModelConfig


def test_defaults_match_the_contract() -> None:
    s = Settings()
    assert (s.model.path, s.model.gpu_layers, s.model.context_size, s.model.threads) == (
        "",
        -1,
        4096,
        0,
    )
    assert (s.prediction.temperature, s.prediction.max_frames) == (0.0, 200)
    assert s.features.inlay_hints and s.features.code_actions


def test_the_cwm_section_is_accepted_wrapped_or_bare() -> None:
    wrapped = parse_settings({"cwm": {"prediction": {"maxFrames": 30}}})
    bare = parse_settings({"prediction": {"maxFrames": 30}})
    assert wrapped == bare and wrapped.prediction.max_frames == 30
    assert unwrap(None) is None and unwrap({"python": {}}) is None


def test_model_settings_become_the_model_config() -> None:
    s = parse_settings(
        {
            "model": {
                "path": "/m.gguf",
                "gpuLayers": 0,
                "contextSize": 2048,
                "threads": 2,
                "batchThreads": 3,
            }
        }
    )
    assert s.model_config() == ModelConfig(
        path="/m.gguf", n_ctx=2048, n_threads=2, n_threads_batch=3, n_gpu_layers=0, host=host_mode()
    )
    assert parse_settings({}).model_config().path is None  # "" = CWM_LSP_MODEL, else the default


def test_the_server_runs_its_model_in_a_host_process_unless_told_inline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CWM_LSP_MODEL_HOST", raising=False)
    assert parse_settings({}).model_config().host == "process"
    assert parse_settings({"model": {"host": "inline"}}).model_config().host == "inline"
    assert parse_settings({"model": {"host": "elsewhere"}}).model.host == ""  # ignored
    monkeypatch.setenv("CWM_LSP_MODEL_HOST", "inline")
    assert parse_settings({}).model_config().host == "inline"
    assert parse_settings({"model": {"host": "process"}}).model_config().host == "process"
    # the CLI's own configuration keeps the model in its process
    assert ModelConfig().host == "inline"


def test_decoding_switches_are_on_by_default_and_reach_the_model_config() -> None:
    assert parse_settings({}).model_config() == ModelConfig(host=host_mode())
    s = parse_settings(
        {"model": {"valueGrammar": False, "lineFlow": False, "returnFromLocals": False}}
    )
    assert (s.model.value_grammar, s.model.line_flow, s.model.return_from_locals) == (
        False,
        False,
        False,
    )
    assert s.model_config() == ModelConfig(
        host=host_mode(), value_grammar=False, line_flow=False, return_locals=False
    )


def test_turning_one_decoding_switch_off_changes_only_that_one() -> None:
    base = Settings()
    for key, field_name in (
        ("valueGrammar", "value_grammar"),
        ("lineFlow", "line_flow"),
        ("returnFromLocals", "return_locals"),
    ):
        config = parse_settings({"model": {key: False}}, base).model_config()
        # the server reloads the model whenever model_config() changes
        assert config != base.model_config()
        off: dict[str, Any] = {field_name: False}
        assert config == replace(base.model_config(), **off)


def test_ill_typed_decoding_switches_keep_the_previous_ones() -> None:
    base = parse_settings({"model": {"lineFlow": False}})
    s = parse_settings({"model": {"lineFlow": "yes", "valueGrammar": 0}}, base)
    assert not s.model.line_flow and s.model.value_grammar


def test_ill_typed_values_keep_the_previous_ones() -> None:
    base = parse_settings({"prediction": {"maxFrames": 50}, "features": {"hover": False}})
    s = parse_settings(
        {"prediction": {"maxFrames": "lots", "temperature": True}, "features": {"hover": "no"}},
        base,
    )
    assert (
        s.prediction.max_frames == 50 and s.prediction.temperature == 0.0 and not s.features.hover
    )


def test_numbers_are_clamped_to_sane_ranges() -> None:
    s = parse_settings(
        {"prediction": {"maxFrames": -5, "temperature": 9}, "model": {"contextSize": 1}}
    )
    assert (
        s.prediction.max_frames == 1
        and s.prediction.temperature == 2.0
        and s.model.context_size == 256
    )


def test_the_adapter_setting_reaches_the_model_config() -> None:
    assert parse_settings({}).model_config().adapter is None  # automatic: the shipped one, if any
    assert parse_settings({"model": {"adapter": ""}}).model_config().adapter is None
    assert parse_settings({"model": {"adapter": "none"}}).model_config().adapter == ""
    tuned = parse_settings({"model": {"adapter": " /a/lora.gguf "}})
    assert tuned.model.adapter == " /a/lora.gguf "
    assert tuned.model_config().adapter == "/a/lora.gguf"
    assert tuned.model_config() != parse_settings({}).model_config()  # changing it reloads
    assert parse_settings({"model": {"adapter": 3}}, tuned).model.adapter == tuned.model.adapter
