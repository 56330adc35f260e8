"""``cwm-lsp model convert``: what it writes and prints, and how it refuses what is not CWM."""

from __future__ import annotations

import argparse
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from convert.gguf_dump import read_gguf
from cwm_lsp.convert.converter import KEY_CONTEXT_CAP_REASON, register

pytestmark = pytest.mark.slow


def run_cli(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="cwm-lsp model")
    register(parser.add_subparsers())
    args = parser.parse_args(["convert", *argv])
    code: int = args.func(args)
    return code


def gguf_fields(path: Path) -> dict[str, Any]:
    return read_gguf(path).fields


@pytest.fixture
def editable_checkpoint(tiny_hf_dir: Path, tmp_path: Path) -> Path:
    """A copy of the tiny checkpoint whose json files a test may edit (weights are linked)."""
    copy = tmp_path / "ckpt"
    copy.mkdir()
    for item in tiny_hf_dir.iterdir():
        if item.suffix == ".safetensors":
            (copy / item.name).symlink_to(item)
        else:
            shutil.copy(item, copy / item.name)
    return copy


def edit_json(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data), encoding="utf-8")


# --------------------------------------------------------------------------- what it writes


def test_convert_prints_the_context_cap_and_its_reason(
    tiny_hf_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "cwm.gguf"
    assert run_cli(str(tiny_hf_dir), "--out", str(out), "--quant", "F16") == 0
    printed = capsys.readouterr().out
    assert f"wrote {out}" in printed
    assert "context length capped at 8192 tokens" in printed
    assert "sliding window" in printed


def test_cwm_lsp_model_convert_runs_from_the_command_line(
    tiny_hf_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from cwm_lsp.cli import main

    out = tmp_path / "cli.gguf"
    assert main(["model", "convert", str(tiny_hf_dir), "--out", str(out), "--quant", "F32"]) == 0
    assert read_gguf(out).fields["general.architecture"] == "llama"
    assert "context length capped at 8192" in capsys.readouterr().out


def test_file_is_llama_architecture_capped_at_the_sliding_window(
    converted: Callable[[str], Path],
) -> None:
    fields = gguf_fields(converted("F32"))
    assert fields["general.architecture"] == "llama"
    assert fields["llama.context_length"] == 8192
    assert fields["cwm_lsp.trained_context_length"] == 131072
    assert fields["cwm_lsp.sliding_window"] == 8192
    assert "8192-token sliding window on 3 of its 4 layers" in fields[KEY_CONTEXT_CAP_REASON]
    assert fields["llama.block_count"] == 4
    assert fields["llama.attention.head_count"] == 4
    assert fields["llama.attention.head_count_kv"] == 2
    assert fields["llama.rope.dimension_count"] == 16
    assert fields["llama.rope.freq_base"] == pytest.approx(1e6)
    assert fields["tokenizer.ggml.model"] == "gpt2"
    assert fields["tokenizer.ggml.pre"] == "llama-bpe"


def test_trace_and_chat_tokens_are_control_tokens(converted: Callable[[str], Path]) -> None:
    from gguf import TokenType

    fields = gguf_fields(converted("F32"))
    tokens, types = fields["tokenizer.ggml.tokens"], fields["tokenizer.ggml.token_type"]
    for token_id in (128000, 128001, 128006, 128009, *range(128100, 128108)):
        assert types[token_id] == TokenType.CONTROL, tokens[token_id]
    assert tokens[128107] == "<|trace_context_start|>"
    assert types[5000] == TokenType.UNUSED
    assert types[tokens.index("Ġtotal")] == TokenType.NORMAL


def test_tensors_have_llama_cpp_names_and_norms_stay_f32(converted: Callable[[str], Path]) -> None:
    from gguf import GGMLQuantizationType

    tensors = read_gguf(converted("F16")).tensors
    per_layer = {"attn_norm", "attn_q", "attn_k", "attn_v", "attn_output"}
    per_layer |= {"ffn_norm", "ffn_gate", "ffn_up", "ffn_down"}
    expected = {f"blk.{i}.{n}.weight" for i in range(4) for n in per_layer}
    expected |= {"token_embd.weight", "output_norm.weight", "output.weight", "rope_freqs.weight"}
    assert set(tensors) == expected
    assert tensors["blk.0.attn_k.weight"].ggml_type == GGMLQuantizationType.F16
    assert tensors["blk.0.attn_k.weight"].shape == (64, 32)
    assert tensors["token_embd.weight"].shape == (64, 128256)
    assert tensors["blk.0.attn_norm.weight"].ggml_type == GGMLQuantizationType.F32


def test_rope_freqs_reproduce_transformers_llama3_frequencies(
    converted: Callable[[str], Path], hf_model: Any
) -> None:
    import torch
    from transformers.modeling_rope_utils import ROPE_INIT_FUNCTIONS

    config = hf_model.config
    scaled, _ = ROPE_INIT_FUNCTIONS["llama3"](config, torch.device("cpu"))
    dim, theta = config.head_dim, config.rope_parameters["rope_theta"]
    plain = 1.0 / theta ** (np.arange(0, dim, 2, dtype=np.float64) / dim)
    factors = read_gguf(converted("F32")).f32_tensor("rope_freqs.weight")
    np.testing.assert_allclose(plain / factors, scaled.numpy(), rtol=1e-6)
    assert factors.max() == pytest.approx(16.0)  # some frequencies really are scaled


def test_quantized_file_keeps_the_cap_reason(converted: Callable[[str], Path]) -> None:
    fields = gguf_fields(converted("Q8_0"))
    assert fields["llama.context_length"] == 8192
    assert "sliding window" in fields[KEY_CONTEXT_CAP_REASON]
    assert fields["general.file_type"] == 7  # LLAMA_FTYPE_MOSTLY_Q8_0


def test_no_partial_files_are_left_behind(converted: Callable[[str], Path]) -> None:
    out = converted("Q8_0")
    assert sorted(p.name for p in out.parent.iterdir() if p.name.endswith(".partial")) == []


# --------------------------------------------------------------------------- what it refuses


def refused(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """Run convert expecting exit 2; return the one stderr line."""
    assert run_cli(*argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("cwm-lsp model convert: error: ")
    return err


def test_a_llama_checkpoint_is_refused(
    editable_checkpoint: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def make_llama(cfg: dict[str, Any]) -> None:
        cfg.update(architectures=["LlamaForCausalLM"], model_type="llama")

    edit_json(editable_checkpoint / "config.json", make_llama)
    err = refused(capsys, str(editable_checkpoint), "--out", str(tmp_path / "x.gguf"))
    assert "not a CWM checkpoint: architecture LlamaForCausalLM" in err
    assert not (tmp_path / "x.gguf").exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"num_hidden_layers": 5, "layer_types": None}, "missing tensors model.layers.4."),
        ({"num_hidden_layers": 3, "layer_types": None}, "unexpected tensors model.layers.3."),
        ({"intermediate_size": 256}, "mlp.gate_proj.weight has shape [128, 64]"),
        ({"hidden_act": "gelu"}, "activation 'gelu' is not CWM's"),
        ({"rope_parameters": {"rope_type": "yarn", "factor": 4.0}}, "RoPE type 'yarn'"),
    ],
)
def test_a_checkpoint_whose_shape_is_not_cwm_s_is_refused(
    editable_checkpoint: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    change: dict[str, Any],
    message: str,
) -> None:
    edit_json(editable_checkpoint / "config.json", lambda cfg: cfg.update(change))
    assert message in refused(capsys, str(editable_checkpoint), "--out", str(tmp_path / "x.gguf"))


def test_a_tokenizer_without_trace_tokens_is_refused(
    editable_checkpoint: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def drop_frame_sep(tok: dict[str, Any]) -> None:
        tok["added_tokens"] = [t for t in tok["added_tokens"] if t["content"] != "<|frame_sep|>"]
        del tok["model"]["vocab"]["<|frame_sep|>"]

    edit_json(editable_checkpoint / "tokenizer.json", drop_frame_sep)
    err = refused(capsys, str(editable_checkpoint), "--out", str(tmp_path / "x.gguf"))
    assert "not a CWM tokenizer: it lacks <|frame_sep|>" in err


def test_a_directory_without_a_checkpoint_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = refused(capsys, str(tmp_path), "--out", str(tmp_path / "x.gguf"))
    assert "no config.json" in err


def test_an_existing_output_is_kept_without_force(
    tiny_hf_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "x.gguf"
    out.write_bytes(b"keep me")
    assert "exists (pass --force" in refused(capsys, str(tiny_hf_dir), "--out", str(out))
    assert out.read_bytes() == b"keep me"
