"""``cwm-lsp eval --free-values / --no-flow / --no-return-locals``: the decoding
switches reach the model's config and the summary (no model is loaded here)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cwm_lsp.cli import build_parser, main
from cwm_lsp.commands.eval import decoding_switches
from cwm_lsp.evaluate.session import EvalSession, EvalSetupError
from cwm_lsp.model.api import ModelConfig, ModelLoadError


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    path = tmp_path / "one.jsonl"
    row = {"id": "sample_0", "code": "def f(x):\n    return x\n", "input": "1", "output": "1"}
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[ModelConfig]:
    """The configs ``EvalSession.open`` was called with (it then fails)."""
    calls: list[ModelConfig] = []

    def open_(config: ModelConfig) -> EvalSession:
        calls.append(config)
        raise EvalSetupError("no model in this test")

    monkeypatch.setattr(EvalSession, "open", open_)
    return calls


def test_by_default_every_switch_is_on(dataset: Path, opened: list[ModelConfig]) -> None:
    assert main(["eval", str(dataset), "--no-progress"]) == 2
    (config,) = opened
    assert (config.value_grammar, config.line_flow, config.return_locals) == (True, True, True)


@pytest.mark.parametrize(
    ("flag", "switch"),
    [
        ("--free-values", "value_grammar"),
        ("--no-flow", "line_flow"),
        ("--no-return-locals", "return_locals"),
    ],
)
def test_each_flag_turns_one_switch_off(
    dataset: Path, opened: list[ModelConfig], flag: str, switch: str
) -> None:
    assert main(["eval", str(dataset), flag, "--no-progress"]) == 2
    (config,) = opened
    names = ("value_grammar", "line_flow", "return_locals")
    off = {name for name in names if not getattr(config, name)}
    assert off == {switch}


def test_the_session_loads_the_model_with_the_switches(monkeypatch: pytest.MonkeyPatch) -> None:
    configs: list[ModelConfig] = []

    def load_model(config: ModelConfig) -> Any:
        configs.append(config)
        raise ModelLoadError("model.gguf", "not loaded in this test")

    monkeypatch.setattr("cwm_lsp.model.load_model", load_model)
    config = ModelConfig(path="model.gguf", line_flow=False, return_locals=False)
    with pytest.raises(EvalSetupError):
        EvalSession.open(config)
    assert configs == [config]


def test_the_summary_says_which_switches_were_on(dataset: Path) -> None:
    parser, _ = build_parser()
    args = parser.parse_args(["eval", str(dataset), "--no-flow"])
    assert decoding_switches(args) == "value grammar on, line flow off, return locals on"
