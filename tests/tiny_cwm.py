"""A tiny "native CWM" GGUF for tests, written with the ``gguf`` package.

The real CWM (32B, Llama-3 vocabulary of 128k tokens, trace tokens at ids
128100-128107) cannot run in tests, so this writes a model with the same
*shape of vocabulary* and random weights:

* architecture ``llama``, 2 layers, 64-wide, context 8192, f32 weights drawn
  from a seeded normal distribution (the output is deterministic garbage);
* a byte-level BPE vocabulary (``tokenizer.ggml.model = "gpt2"``, pre-tokenizer
  ``llama-bpe`` as CWM's): ids 0-255 are the 256 bytes (GPT-2's
  byte-to-unicode mapping), id 256 is ``"ĠĠ"`` (two spaces, one merge), and
  the special tokens follow as CONTROL tokens, in the order of
  :data:`SPECIAL_TOKENS`.  **The trace tokens are remapped**: they are not at
  CWM's ids 128100-128107 but at 259-266 (see :data:`SPECIAL_IDS`); the model
  room looks special tokens up by their text, so both layouts work.

Usage: ``write_tiny_cwm(path)`` (returns the path).  The conversion tests can
reuse :func:`tiny_vocabulary` for a tokenizer of the same layout.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

SPECIAL_TOKENS: tuple[str, ...] = (
    "<|begin_of_text|>",
    "<|end_of_text|>",
    "<|eot_id|>",
    "<|frame_sep|>",
    "<|action_sep|>",
    "<|return_sep|>",
    "<|call_sep|>",
    "<|line_sep|>",
    "<|exception_sep|>",
    "<|arg_sep|>",
    "<|trace_context_start|>",
)
FIRST_SPECIAL_ID = 257
SPECIAL_IDS: dict[str, int] = {t: FIRST_SPECIAL_ID + i for i, t in enumerate(SPECIAL_TOKENS)}

TOKEN_TYPE_NORMAL = 1
TOKEN_TYPE_CONTROL = 3


def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's reversible byte -> printable character mapping."""
    printable = (
        list(range(ord("!"), ord("~") + 1))
        + list(range(ord("¡"), ord("¬") + 1))
        + list(range(ord("®"), ord("ÿ") + 1))
    )
    chars = printable[:]
    n = 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            chars.append(256 + n)
            n += 1
    return dict(zip(printable, (chr(c) for c in chars), strict=True))


def tiny_vocabulary() -> tuple[list[str], list[int], list[str]]:
    """(tokens, token types, merges) of the tiny vocabulary."""
    mapping = bytes_to_unicode()
    tokens = [mapping[b] for b in range(256)]
    types = [TOKEN_TYPE_NORMAL] * 256
    space = mapping[ord(" ")]
    tokens.append(space + space)
    types.append(TOKEN_TYPE_NORMAL)
    merges = [f"{space} {space}"]
    for special in SPECIAL_TOKENS:
        tokens.append(special)
        types.append(TOKEN_TYPE_CONTROL)
    return tokens, types, merges


def write_tiny_cwm(
    path: str | Path,
    *,
    seed: int = 0,
    n_embd: int = 64,
    n_layer: int = 2,
    n_head: int = 4,
    n_ff: int = 128,
    context: int = 8192,
) -> Path:
    """Write the tiny native-CWM GGUF to ``path``."""
    import gguf

    path = Path(path)
    tokens, types, merges = tiny_vocabulary()
    n_vocab = len(tokens)
    rng = np.random.default_rng(seed)

    def weight(*shape: int, scale: float = 0.5) -> np.ndarray:
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_name("tiny-cwm-test")
    writer.add_context_length(context)
    writer.add_embedding_length(n_embd)
    writer.add_block_count(n_layer)
    writer.add_feed_forward_length(n_ff)
    writer.add_head_count(n_head)
    writer.add_head_count_kv(n_head)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_rope_dimension_count(n_embd // n_head)
    writer.add_rope_freq_base(10000.0)
    writer.add_file_type(0)  # all f32
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("llama-bpe")
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    writer.add_token_merges(merges)
    writer.add_bos_token_id(SPECIAL_IDS["<|begin_of_text|>"])
    writer.add_eos_token_id(SPECIAL_IDS["<|end_of_text|>"])
    writer.add_eot_token_id(SPECIAL_IDS["<|eot_id|>"])
    writer.add_add_bos_token(False)

    writer.add_tensor("token_embd.weight", weight(n_vocab, n_embd))
    for i in range(n_layer):
        writer.add_tensor(f"blk.{i}.attn_norm.weight", np.ones(n_embd, dtype=np.float32))
        writer.add_tensor(f"blk.{i}.attn_q.weight", weight(n_embd, n_embd, scale=0.1))
        writer.add_tensor(f"blk.{i}.attn_k.weight", weight(n_embd, n_embd, scale=0.1))
        writer.add_tensor(f"blk.{i}.attn_v.weight", weight(n_embd, n_embd, scale=0.1))
        writer.add_tensor(f"blk.{i}.attn_output.weight", weight(n_embd, n_embd, scale=0.1))
        writer.add_tensor(f"blk.{i}.ffn_norm.weight", np.ones(n_embd, dtype=np.float32))
        writer.add_tensor(f"blk.{i}.ffn_gate.weight", weight(n_ff, n_embd, scale=0.1))
        writer.add_tensor(f"blk.{i}.ffn_up.weight", weight(n_ff, n_embd, scale=0.1))
        writer.add_tensor(f"blk.{i}.ffn_down.weight", weight(n_embd, n_ff, scale=0.1))
    writer.add_tensor("output_norm.weight", np.ones(n_embd, dtype=np.float32))
    writer.add_tensor("output.weight", weight(n_vocab, n_embd))

    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


if __name__ == "__main__":  # pragma: no cover
    import sys

    print(write_tiny_cwm(sys.argv[1] if len(sys.argv) > 1 else "tiny-cwm.gguf"))
