"""The converter's pieces that need neither torch nor llama.cpp."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from cwm_lsp.convert.checkpoint import ConversionError, parse_hparams, parse_rope
from cwm_lsp.convert.tensors import gguf_name, unrotate_half
from cwm_lsp.convert.tokenizer import LLAMA3_SPLIT, detect_pre_tokenizer


def rope_rotate_half(x: np.ndarray[Any, Any], angles: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Hugging Face's RoPE on one head: dims i and i + d/2 form a pair."""
    half = x.shape[-1] // 2
    x1, x2 = x[..., :half], x[..., half:]
    cos, sin = np.cos(angles), np.sin(angles)
    return np.concatenate([x1 * cos - x2 * sin, x2 * cos + x1 * sin], axis=-1)


def rope_interleaved(x: np.ndarray[Any, Any], angles: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """llama.cpp's llama RoPE on one head: dims 2i and 2i + 1 form a pair."""
    even, odd = x[..., 0::2], x[..., 1::2]
    cos, sin = np.cos(angles), np.sin(angles)
    out = np.empty_like(x)
    out[..., 0::2] = even * cos - odd * sin
    out[..., 1::2] = odd * cos + even * sin
    return out


def rope_angles(position: int, head_dim: int) -> np.ndarray[Any, Any]:
    return position * 1e4 ** (-np.arange(head_dim // 2) / (head_dim // 2))


@pytest.mark.parametrize("n_head", [1, 4])
def test_permuted_projection_under_interleaved_rope_equals_hf_rope(n_head: int) -> None:
    rng = np.random.default_rng(0)
    head_dim, n_embd = 8, 12
    weights = rng.normal(size=(n_head * head_dim, n_embd))
    x = rng.normal(size=n_embd)
    hf = rope_rotate_half((weights @ x).reshape(n_head, head_dim), rope_angles(7, head_dim))
    ours = rope_interleaved(
        (unrotate_half(weights, n_head) @ x).reshape(n_head, head_dim), rope_angles(7, head_dim)
    )
    # The same rotated values, stored pairwise: ours[2i], ours[2i+1] = hf[i], hf[i + d/2].
    order = np.stack([np.arange(head_dim // 2), np.arange(head_dim // 2) + head_dim // 2], 1)
    np.testing.assert_allclose(ours, hf[:, order.reshape(-1)])


def test_attention_scores_are_unchanged_when_q_and_k_are_both_permuted() -> None:
    rng = np.random.default_rng(1)
    head_dim, n_embd = 8, 12
    wq, wk = rng.normal(size=(head_dim, n_embd)), rng.normal(size=(head_dim, n_embd))
    xq, xk = rng.normal(size=n_embd), rng.normal(size=n_embd)
    hf_score = rope_rotate_half(wq @ xq, rope_angles(9, head_dim)) @ rope_rotate_half(
        wk @ xk, rope_angles(3, head_dim)
    )
    our_score = rope_interleaved(unrotate_half(wq, 1) @ xq, rope_angles(9, head_dim)) @ (
        rope_interleaved(unrotate_half(wk, 1) @ xk, rope_angles(3, head_dim))
    )
    assert our_score == pytest.approx(hf_score)


def test_hugging_face_names_map_to_llama_cpp_names() -> None:
    assert gguf_name("model.embed_tokens.weight") == "token_embd.weight"
    assert gguf_name("model.layers.63.self_attn.o_proj.weight") == "blk.63.attn_output.weight"
    assert gguf_name("model.layers.0.post_attention_layernorm.weight") == "blk.0.ffn_norm.weight"
    with pytest.raises(ConversionError, match=r"no llama\.cpp name"):
        gguf_name("model.layers.0.self_attn.q_norm.weight")


def test_rope_parameters_are_read_from_the_transformers_4_config_form() -> None:
    legacy = {
        "rope_theta": 1_000_000.0,
        "rope_scaling": {
            "rope_type": "llama3",
            "factor": 16.0,
            "low_freq_factor": 1.0,
            "high_freq_factor": 4.0,
            "original_max_position_embeddings": 8192,
        },
    }
    rope = parse_rope(legacy)
    assert (rope.rope_type, rope.theta, rope.factor) == ("llama3", 1e6, 16.0)


CWM_32B_CONFIG: dict[str, Any] = {
    "architectures": ["CwmForCausalLM"],
    "model_type": "cwm",
    "hidden_size": 6144,
    "intermediate_size": 21504,
    "num_hidden_layers": 64,
    "num_attention_heads": 48,
    "num_key_value_heads": 8,
    "head_dim": 128,
    "vocab_size": 128256,
    "max_position_embeddings": 131072,
    "sliding_window": 8192,
    "rope_theta": 1_000_000.0,
    "rope_scaling": {"rope_type": "llama3", "factor": 16.0},
}


def test_cwm_32b_context_is_capped_at_its_sliding_window() -> None:
    hp = parse_hparams(CWM_32B_CONFIG, "cwm")
    assert hp.n_sliding_layers == 48  # every fourth layer, from layer 0, is global
    assert hp.layer_types[:5] == (
        "full_attention",
        "sliding_attention",
        "sliding_attention",
        "sliding_attention",
        "full_attention",
    )
    assert hp.context_cap == 8192
    assert "8192-token sliding window on 48 of its 64 layers" in hp.context_cap_reason


def test_a_non_cwm_architecture_is_named_in_the_error() -> None:
    config = {**CWM_32B_CONFIG, "architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2"}
    with pytest.raises(ConversionError, match="architecture Qwen2ForCausalLM"):
        parse_hparams(config, "qwen")


def test_llama3_pre_tokenizer_is_recognised_and_others_are_refused() -> None:
    llama3 = {"pre_tokenizer": {"type": "Sequence", "pretokenizers": [
        {"type": "Split", "pattern": {"Regex": LLAMA3_SPLIT}, "behavior": "Isolated"},
        {"type": "ByteLevel", "use_regex": False},
    ]}}  # fmt: skip
    assert detect_pre_tokenizer(llama3) == "llama-bpe"
    gpt2 = {"pre_tokenizer": {"type": "ByteLevel", "use_regex": True}}
    with pytest.raises(ConversionError, match="not Llama 3's"):
        detect_pre_tokenizer(gpt2)
