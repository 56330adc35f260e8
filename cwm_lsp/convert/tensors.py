"""CWM's weights as llama-architecture GGUF tensors, one tensor in memory at a time.

* Names: Hugging Face Llama names -> llama.cpp's (``blk.N.attn_q.weight``...).
* Q and K rows are permuted from Hugging Face's rotate-half RoPE layout to
  the interleaved pairs llama.cpp's llama architecture rotates.
* llama3 RoPE scaling becomes a ``rope_freqs`` tensor of per-frequency
  divisors (what llama.cpp's own converter does for Llama 3).
* Storage type per tensor: 1-D tensors (norms) are always F32; matrices are
  F32 or F16 when asked, otherwise kept in the checkpoint's own dtype (F32,
  F16 or BF16, losslessly) for llama.cpp's quantizer to read.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from cwm_lsp.convert.checkpoint import Checkpoint, ConversionError, CwmHParams, SourceTensor

#: progress(fraction 0..1, message)
Progress = Callable[[float, str], None]

StoreType = Literal["F32", "F16", "BF16"]

_LAYER_MAP = {
    "input_layernorm.weight": "attn_norm",
    "self_attn.q_proj.weight": "attn_q",
    "self_attn.k_proj.weight": "attn_k",
    "self_attn.v_proj.weight": "attn_v",
    "self_attn.o_proj.weight": "attn_output",
    "post_attention_layernorm.weight": "ffn_norm",
    "mlp.gate_proj.weight": "ffn_gate",
    "mlp.up_proj.weight": "ffn_up",
    "mlp.down_proj.weight": "ffn_down",
}
_GLOBAL_MAP = {
    "model.embed_tokens.weight": "token_embd",
    "model.norm.weight": "output_norm",
    "lm_head.weight": "output",
}


def gguf_name(hf_name: str) -> str:
    """llama.cpp's tensor name for a Hugging Face CWM tensor name."""
    if hf_name in _GLOBAL_MAP:
        return _GLOBAL_MAP[hf_name] + ".weight"
    parts = hf_name.split(".", 3)
    if len(parts) == 4 and parts[:2] == ["model", "layers"] and parts[3] in _LAYER_MAP:
        return f"blk.{int(parts[2])}.{_LAYER_MAP[parts[3]]}.weight"
    raise ConversionError(f"no llama.cpp name for tensor {hf_name}")


def unrotate_half(weights: Any, n_head: int) -> Any:
    """Rows of a Q or K projection in llama.cpp's interleaved RoPE order.

    Hugging Face stores each head's rows as (first halves..., second halves...)
    for rotate-half RoPE; llama.cpp rotates adjacent pairs, so row ``j`` of the
    first half and row ``j`` of the second half become rows ``2j`` and ``2j+1``.
    Works on numpy arrays and torch tensors.
    """
    rows = weights.shape[0]
    return (
        weights.reshape(n_head, 2, rows // n_head // 2, *weights.shape[1:])
        .swapaxes(1, 2)
        .reshape(weights.shape)
    )


def llama3_rope_factors(hp: CwmHParams) -> np.ndarray[Any, np.dtype[np.float32]]:
    """Per-frequency divisors for llama3 RoPE scaling (llama.cpp's ``rope_freqs``)."""
    rope = hp.rope
    dim = hp.head_dim
    freqs = 1.0 / (rope.theta ** (np.arange(0, dim, 2, dtype=np.float64) / dim))
    old_ctx = rope.original_max_position_embeddings
    low_wavelen = old_ctx / rope.low_freq_factor
    high_wavelen = old_ctx / rope.high_freq_factor
    factors = []
    for freq in freqs:
        wavelen = 2 * math.pi / freq
        if wavelen < high_wavelen:
            factors.append(1.0)
        elif wavelen > low_wavelen:
            factors.append(rope.factor)
        else:
            smooth = (old_ctx / wavelen - rope.low_freq_factor) / (
                rope.high_freq_factor - rope.low_freq_factor
            )
            factors.append(1.0 / ((1 - smooth) / rope.factor + smooth))
    return np.asarray(factors, dtype=np.float32)


@dataclass(frozen=True)
class PlannedTensor:
    """One tensor of the output file: where it comes from and how it is stored."""

    name: str
    shape: tuple[int, ...]
    store: StoreType
    source: SourceTensor | None = None

    @property
    def nbytes(self) -> int:
        return int(np.prod(self.shape)) * (4 if self.store == "F32" else 2)


def store_type(source: SourceTensor, matrix_type: StoreType | None) -> StoreType:
    if len(source.shape) == 1:
        return "F32"
    if matrix_type is not None:
        return matrix_type
    return source.dtype  # type: ignore[return-value]


def plan_tensors(ckpt: Checkpoint, matrix_type: StoreType | None) -> list[PlannedTensor]:
    """The output tensors in file order (token embedding, layers in order, output)."""
    hp = ckpt.hparams
    order = ["model.embed_tokens.weight"]
    for i in range(hp.n_layer):
        order += [f"model.layers.{i}.{suffix}" for suffix in _LAYER_MAP]
    order += ["model.norm.weight"]
    if not hp.tie_word_embeddings:
        order.append("lm_head.weight")
    planned = [
        PlannedTensor(
            gguf_name(name),
            ckpt.tensors[name].shape,
            store_type(ckpt.tensors[name], matrix_type),
            ckpt.tensors[name],
        )
        for name in order
    ]
    if hp.rope.rope_type == "llama3":
        planned.append(PlannedTensor("rope_freqs.weight", (hp.head_dim // 2,), "F32"))
    return planned


def _as_store(tensor: Any, store: StoreType, name: str) -> np.ndarray[Any, Any]:
    import torch

    if store == "BF16":
        return np.ascontiguousarray(
            tensor.to(torch.bfloat16).view(torch.int16).numpy().view(np.uint16)
        )
    target = torch.float32 if store == "F32" else torch.float16
    converted = tensor.to(target)
    if store == "F16" and not bool(torch.isfinite(converted).all()):
        raise ConversionError(f"{name}: values overflow F16; use --quant F32 or a quantized type")
    return np.ascontiguousarray(converted.numpy())


def tensor_data(
    ckpt: Checkpoint, planned: list[PlannedTensor], progress: Progress | None = None
) -> Iterator[tuple[PlannedTensor, np.ndarray[Any, Any]]]:
    """Each planned tensor's bytes, in order, reading one source tensor at a time."""
    from safetensors import safe_open

    hp = ckpt.hparams
    handles: dict[Any, Any] = {}
    try:
        for index, item in enumerate(planned):
            if item.source is None:
                data: np.ndarray[Any, Any] = llama3_rope_factors(hp)
            else:
                file = item.source.file
                if file not in handles:
                    # One shard open at a time: close the previous one.
                    for handle in handles.values():
                        handle.__exit__(None, None, None)
                    handles.clear()
                    opener: Any = safe_open(str(file), framework="pt", device="cpu")
                    handles[file] = opener.__enter__()
                tensor = handles[file].get_tensor(item.source.name)
                if item.name.endswith("attn_q.weight"):
                    tensor = unrotate_half(tensor, hp.n_head)
                elif item.name.endswith("attn_k.weight"):
                    tensor = unrotate_half(tensor, hp.n_head_kv)
                data = _as_store(tensor, item.store, item.name)
                del tensor
            if progress is not None:
                progress((index + 1) / len(planned), item.name)
            yield item, data
    finally:
        for handle in handles.values():
            handle.__exit__(None, None, None)
