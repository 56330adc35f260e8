"""A model's identity: what predictions depend on, so cache keys change with it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from cwm_lsp.model.api import ModelConfig
from cwm_lsp.predict.loading import model_identity


@pytest.fixture
def config(tmp_path: Path) -> ModelConfig:
    model = tmp_path / "model.gguf"
    model.write_bytes(b"GGUF")
    return ModelConfig(path=str(model))


def test_with_every_switch_on_the_identity_is_the_file_alone(config: ModelConfig) -> None:
    st = Path(str(config.path)).stat()
    assert model_identity(config) == f"{Path(str(config.path)).resolve()}|4|{st.st_mtime_ns}"


def test_settings_that_do_not_change_predictions_keep_the_identity(config: ModelConfig) -> None:
    assert model_identity(replace(config, n_threads=3, n_ctx=8192)) == model_identity(config)


@pytest.mark.parametrize(
    ("switch", "suffix"),
    [
        ("value_grammar", "+free-values"),
        ("line_flow", "+no-flow"),
        ("return_locals", "+no-return-locals"),
    ],
)
def test_each_decoding_switch_that_is_off_is_part_of_the_identity(
    config: ModelConfig, switch: str, suffix: str
) -> None:
    changes: dict[str, Any] = {switch: False}
    assert model_identity(replace(config, **changes)) == model_identity(config) + suffix


def test_switches_that_are_off_are_listed_in_a_fixed_order(config: ModelConfig) -> None:
    off = replace(config, value_grammar=False, line_flow=False, return_locals=False)
    assert model_identity(off).endswith("+free-values+no-flow+no-return-locals")
