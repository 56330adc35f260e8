"""Writing an adapter as a GGUF LoRA that llama.cpp applies at run time.

The layout llama.cpp reads (``llama_adapter_lora_init``): metadata
``general.type = "adapter"``, ``adapter.type = "lora"``,
``adapter.lora.alpha`` (f32) and ``general.architecture`` = the base
model's; for each adapted weight ``W`` (``blk.N.attn_q.weight`` ...) two
tensors ``<W>.lora_a`` and ``<W>.lora_b``, stored as torch holds them: ``A``
``rank x in`` and ``B`` ``out x rank`` (in GGUF's reversed dimension order
``[in, rank]`` and ``[rank, out]``).  llama.cpp adds
``scale * alpha / rank * B (A x)``, ``scale`` being the load-time scale (1).

cwm-lsp's own keys say which prompt the adapter was trained on, so
inference builds the same one: ``cwm_lsp.prompt.format`` (``generic``) and
``cwm_lsp.prompt.fewshot`` (whether the worked examples open the prompt).
llama.cpp's own ``adapter.lora.task_name`` says the same
(``cwm-lsp:generic:header`` or ``…:fewshot``): llama-server lists it at
``GET /lora-adapters``, so a client of a server that loaded the adapter
(``--lora``) builds the right prompt without the file.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import numpy.typing as npt

from cwm_lsp.formats.generic import adapter_task_name

#: cwm-lsp's adapter metadata keys
KEY_FORMAT = "cwm_lsp.prompt.format"
KEY_FEWSHOT = "cwm_lsp.prompt.fewshot"
#: llama.cpp's key (``LLM_KV_ADAPTER_LORA_TASK_NAME``)
KEY_TASK_NAME = "adapter.lora.task_name"
DTYPES = ("f32", "f16")

MetadataValue = str | bool | int | float


def write_adapter(
    path: str | Path,
    tensors: Mapping[str, npt.NDArray[np.float32]],
    *,
    architecture: str,
    alpha: float,
    fewshot: bool,
    name: str = "cwm-lsp generic-format LoRA",
    dtype: str = "f16",
    metadata: Mapping[str, MetadataValue] | None = None,
) -> Path:
    """Write ``tensors`` (``<base weight>.lora_a`` / ``.lora_b`` -> array) as a GGUF LoRA.

    Written to a temporary name and renamed, so a reader never sees half a file.
    """
    import gguf

    if dtype not in DTYPES:
        raise ValueError(f"dtype {dtype!r}: use one of {', '.join(DTYPES)}")
    _check_pairs(tensors)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(target.name + ".tmp")
    writer = gguf.GGUFWriter(str(temporary), architecture)
    writer.add_type(gguf.GGUFType.ADAPTER)
    writer.add_name(name)
    writer.add_string(gguf.Keys.Adapter.TYPE, "lora")
    writer.add_float32(gguf.Keys.Adapter.LORA_ALPHA, float(alpha))
    writer.add_string(KEY_FORMAT, "generic")
    writer.add_bool(KEY_FEWSHOT, fewshot)
    writer.add_string(KEY_TASK_NAME, adapter_task_name(fewshot))
    for key, value in sorted((metadata or {}).items()):
        _add(writer, key, value)
    numpy_type = np.float16 if dtype == "f16" else np.float32
    for tensor_name in sorted(tensors):
        writer.add_tensor(tensor_name, np.ascontiguousarray(tensors[tensor_name], numpy_type))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    temporary.replace(target)
    return target


def _check_pairs(tensors: Mapping[str, npt.NDArray[np.float32]]) -> None:
    """Every ``.lora_a`` has its ``.lora_b``, of matching rank."""
    if not tensors:
        raise ValueError("the adapter has no tensors")
    for name, a in tensors.items():
        if name.endswith(".lora_a"):
            b = tensors.get(name[: -len("a")] + "b")
            if b is None:
                raise ValueError(f"{name} has no lora_b")
            if a.ndim != 2 or b.ndim != 2 or a.shape[0] != b.shape[1]:
                raise ValueError(f"{name}: shapes {a.shape} and {b.shape} do not pair")
        elif not name.endswith(".lora_b"):
            raise ValueError(f"{name} is not a lora_a or lora_b tensor")


def _add(writer: object, key: str, value: MetadataValue) -> None:
    if isinstance(value, bool):
        writer.add_bool(key, value)  # type: ignore[attr-defined]
    elif isinstance(value, int):
        writer.add_int64(key, value)  # type: ignore[attr-defined]
    elif isinstance(value, float):
        writer.add_float32(key, value)  # type: ignore[attr-defined]
    else:
        writer.add_string(key, str(value))  # type: ignore[attr-defined]


def export_checkpoint(checkpoint: str | Path, out: str | Path, *, dtype: str = "f16") -> Path:
    """The adapter of a training checkpoint (file or run directory) as a GGUF LoRA at ``out``."""
    from cwm_lsp.train.checkpoint import load_checkpoint

    saved = load_checkpoint(checkpoint)
    tensors = {name: tensor.float().numpy() for name, tensor in saved.lora.items()}
    metadata: dict[str, MetadataValue] = {
        "cwm_lsp.train.steps": saved.step,
        "cwm_lsp.train.tokens": saved.tokens,
        "cwm_lsp.train.rank": saved.spec.rank,
        "cwm_lsp.train.seed": int(saved.options.get("seed", 0)),
    }
    return write_adapter(
        out,
        tensors,
        architecture=saved.architecture,
        alpha=saved.spec.alpha,
        fewshot=bool(saved.options.get("fewshot", False)),
        dtype=dtype,
        metadata=metadata,
    )
