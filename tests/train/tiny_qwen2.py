"""A tiny random Qwen2 GGUF (the default model's architecture) that llama.cpp and transformers load.

Architecture ``qwen2`` as the embedded default (Qwen2.5-Coder): biases on the
q/k/v projections, grouped-query attention (4 query heads, 2 KV heads), tied
nothing (an explicit ``output.weight``), f32 weights from a seeded normal
distribution.  The vocabulary is byte-level BPE (``gpt2`` model, ``qwen2``
pre-tokenizer): the 256 bytes (GPT-2's byte-to-unicode mapping), a few merges
so that common pieces of frame text are single tokens, and ``<|endoftext|>``.
A trace prompt is a few hundred tokens, and logits span ~300 ids, so a
forward pass takes milliseconds.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from tiny_cwm import bytes_to_unicode

#: Pieces merged into single tokens (each merge joins two existing tokens).
MERGED = (
    "  ",
    "    ",
    "in",
    "ine",
    "line",
    "re",
    "ur",
    "urn",
    "ret",
    "return",
    " =",
    " =>",
    "de",
    "def",
)
TOKEN_TYPE_NORMAL = 1
TOKEN_TYPE_CONTROL = 3


def tiny_vocabulary() -> tuple[list[str], list[int], list[str]]:
    """(tokens, token types, merges): bytes, then the merged pieces, then ``<|endoftext|>``."""
    mapping = bytes_to_unicode()
    tokens = [mapping[b] for b in range(256)]
    merges: list[str] = []
    known = {t: i for i, t in enumerate(tokens)}
    for piece in MERGED:
        text = "".join(mapping[b] for b in piece.encode())
        for cut in range(len(text) - 1, 0, -1):
            left, right = text[:cut], text[cut:]
            if left in known and right in known:
                merges.append(f"{left} {right}")
                break
        else:  # pragma: no cover - MERGED is ordered so that every piece has its halves
            raise AssertionError(piece)
        known[text] = len(tokens)
        tokens.append(text)
    types = [TOKEN_TYPE_NORMAL] * len(tokens)
    tokens.append("<|endoftext|>")
    types.append(TOKEN_TYPE_CONTROL)
    return tokens, types, merges


def write_tiny_qwen2(
    path: str | Path,
    *,
    seed: int = 0,
    n_embd: int = 64,
    n_layer: int = 2,
    n_head: int = 4,
    n_head_kv: int = 2,
    n_ff: int = 128,
    context: int = 4096,
) -> Path:
    """Write the tiny Qwen2 GGUF to ``path``."""
    import gguf

    path = Path(path)
    tokens, types, merges = tiny_vocabulary()
    n_vocab = len(tokens)
    head_dim = n_embd // n_head
    rng = np.random.default_rng(seed)

    def weight(*shape: int, scale: float = 0.1) -> np.ndarray:
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    writer = gguf.GGUFWriter(str(path), "qwen2")
    writer.add_name("tiny-qwen2-test")
    writer.add_context_length(context)
    writer.add_embedding_length(n_embd)
    writer.add_block_count(n_layer)
    writer.add_feed_forward_length(n_ff)
    writer.add_head_count(n_head)
    writer.add_head_count_kv(n_head_kv)
    writer.add_layer_norm_rms_eps(1e-6)
    writer.add_rope_freq_base(1000000.0)
    writer.add_file_type(0)  # all f32
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("qwen2")
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    writer.add_token_merges(merges)
    writer.add_eos_token_id(n_vocab - 1)
    writer.add_bos_token_id(n_vocab - 1)
    writer.add_add_bos_token(False)

    writer.add_tensor("token_embd.weight", weight(n_vocab, n_embd, scale=0.5))
    for i in range(n_layer):
        kv = n_head_kv * head_dim
        writer.add_tensor(f"blk.{i}.attn_norm.weight", np.ones(n_embd, dtype=np.float32))
        writer.add_tensor(f"blk.{i}.attn_q.weight", weight(n_embd, n_embd))
        writer.add_tensor(f"blk.{i}.attn_q.bias", weight(n_embd))
        writer.add_tensor(f"blk.{i}.attn_k.weight", weight(kv, n_embd))
        writer.add_tensor(f"blk.{i}.attn_k.bias", weight(kv))
        writer.add_tensor(f"blk.{i}.attn_v.weight", weight(kv, n_embd))
        writer.add_tensor(f"blk.{i}.attn_v.bias", weight(kv))
        writer.add_tensor(f"blk.{i}.attn_output.weight", weight(n_embd, n_embd))
        writer.add_tensor(f"blk.{i}.ffn_norm.weight", np.ones(n_embd, dtype=np.float32))
        writer.add_tensor(f"blk.{i}.ffn_gate.weight", weight(n_ff, n_embd))
        writer.add_tensor(f"blk.{i}.ffn_up.weight", weight(n_ff, n_embd))
        writer.add_tensor(f"blk.{i}.ffn_down.weight", weight(n_embd, n_ff))
    writer.add_tensor("output_norm.weight", np.ones(n_embd, dtype=np.float32))
    writer.add_tensor("output.weight", weight(n_vocab, n_embd, scale=0.5))

    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path
