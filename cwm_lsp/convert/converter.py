"""``cwm-lsp model convert HF_DIR --out FILE.gguf [--quant Q4_K_M|Q8_0|F16|F32]``.

Converts a Hugging Face CWM checkpoint (``facebook/cwm``: config.json,
safetensors shards, tokenizer.json) into a llama-architecture GGUF that
llama.cpp runs on CPU, CUDA or Metal:

1. read and validate the checkpoint's shape (no weights loaded);
2. write a GGUF (tensor infos first, then the data one tensor at a time,
   so memory stays at about one tensor) with the tokenizer, hyper-parameters
   and the context cap;
3. for Q4_K_M / Q8_0, quantize that file with llama.cpp's own quantizer and
   delete it (disk: about the checkpoint's size again, temporarily).

The context length is capped (8,192 for CWM) because llama.cpp's llama
architecture has no sliding window; the reason is stored in the file as
``cwm_lsp.context_cap_reason`` and printed.
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from cwm_lsp.convert.checkpoint import Checkpoint, ConversionError, open_checkpoint
from cwm_lsp.convert.tensors import PlannedTensor, StoreType, plan_tensors, tensor_data
from cwm_lsp.convert.tokenizer import add_vocabulary, build_vocabulary, read_tokenizer_json
from cwm_lsp.engine.llama_quantize import QuantizeError, quantize

log = logging.getLogger(__name__)

QUANT_CHOICES = ("Q4_K_M", "Q8_0", "F16", "F32")
#: Output size relative to an F16 file, for the disk-space check (llama.cpp's figures).
_SIZE_VS_F16 = {"Q4_K_M": 0.31, "Q8_0": 0.54, "F16": 1.0, "F32": 2.0}
KEY_CONTEXT_CAP_REASON = "cwm_lsp.context_cap_reason"
KEY_SOURCE_ARCH = "cwm_lsp.source_architecture"
KEY_SLIDING_WINDOW = "cwm_lsp.sliding_window"
KEY_TRAINED_CONTEXT = "cwm_lsp.trained_context_length"

_REQUIRED_MODULES = ("gguf", "safetensors", "torch")
_EXTRA_HINT = "install the convert extra: pip install 'cwm-lsp[convert]'"


@dataclass(frozen=True)
class ConvertResult:
    path: Path
    quant: str
    size_bytes: int
    n_tensors: int
    context_length: int
    context_cap_reason: str


def _check_modules() -> None:
    import importlib.util

    missing = [m for m in _REQUIRED_MODULES if importlib.util.find_spec(m) is None]
    if missing:
        raise ConversionError(f"missing Python packages {', '.join(missing)}: {_EXTRA_HINT}")


def _file_type(planned: list[PlannedTensor]) -> int:
    from gguf import LlamaFileType

    stores = {p.store for p in planned if len(p.shape) > 1}
    if stores == {"F32"}:
        return int(LlamaFileType.ALL_F32)
    if stores == {"F16"}:
        return int(LlamaFileType.MOSTLY_F16)
    return int(LlamaFileType.MOSTLY_BF16 if "BF16" in stores else LlamaFileType.MOSTLY_F16)


def _add_hparams(writer: Any, ckpt: Checkpoint, file_type: int) -> None:
    hp = ckpt.hparams
    writer.add_name(hp.name)
    writer.add_file_type(file_type)
    writer.add_vocab_size(hp.n_vocab)
    writer.add_context_length(hp.context_cap)
    writer.add_embedding_length(hp.n_embd)
    writer.add_feed_forward_length(hp.n_ff)
    writer.add_block_count(hp.n_layer)
    writer.add_head_count(hp.n_head)
    writer.add_head_count_kv(hp.n_head_kv)
    writer.add_key_length(hp.head_dim)
    writer.add_value_length(hp.head_dim)
    writer.add_rope_dimension_count(hp.head_dim)
    writer.add_rope_freq_base(hp.rope.theta)
    writer.add_layer_norm_rms_eps(hp.rms_norm_eps)
    writer.add_string(KEY_CONTEXT_CAP_REASON, hp.context_cap_reason)
    writer.add_string(KEY_SOURCE_ARCH, "CwmForCausalLM")
    writer.add_uint32(KEY_TRAINED_CONTEXT, hp.max_position_embeddings)
    if hp.sliding_window:
        writer.add_uint32(KEY_SLIDING_WINDOW, hp.sliding_window)


def write_gguf(
    ckpt: Checkpoint,
    out: Path,
    matrix_type: StoreType | None,
    pre_tokenizer: str | None = None,
    progress: Any = None,
) -> int:
    """Write ``ckpt`` as a llama-architecture GGUF at ``out``; returns the tensor count.

    ``matrix_type`` None keeps each matrix in the checkpoint's dtype (lossless).
    """
    import gguf

    vocab = build_vocabulary(
        read_tokenizer_json(ckpt.directory), ckpt.hparams.n_vocab, pre_tokenizer
    )
    planned = plan_tensors(ckpt, matrix_type)
    writer = gguf.GGUFWriter(str(out), "llama")
    try:
        _add_hparams(writer, ckpt, _file_type(planned))
        add_vocabulary(writer, ckpt.directory, vocab)
        for item in planned:
            if item.store == "BF16":
                writer.add_tensor_info(
                    item.name,
                    item.shape,
                    np.dtype(np.uint16),
                    item.nbytes,
                    gguf.GGMLQuantizationType.BF16,
                )
            else:
                dtype = np.dtype(np.float32 if item.store == "F32" else np.float16)
                writer.add_tensor_info(item.name, item.shape, dtype, item.nbytes)
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_ti_data_to_file()
        for _item, data in tensor_data(ckpt, planned, progress):
            writer.write_tensor_data(data)
            del data
    finally:
        writer.close()
    return len(planned)


def _check_disk(ckpt: Checkpoint, out: Path, quant: str) -> None:
    source_bytes = sum(
        math.prod(t.shape) * (4 if t.dtype == "F32" else 2) for t in ckpt.tensors.values()
    )
    f16_bytes = sum(math.prod(t.shape) * 2 for t in ckpt.tensors.values())
    needed = int(f16_bytes * _SIZE_VS_F16[quant])
    if quant in ("Q4_K_M", "Q8_0"):
        needed += source_bytes
    free = shutil.disk_usage(out.parent).free
    if free < needed:
        raise ConversionError(
            f"not enough disk space in {out.parent}: need about {needed / 2**30:.1f} GiB "
            f"({'intermediate file + ' if quant in ('Q4_K_M', 'Q8_0') else ''}output), "
            f"{free / 2**30:.1f} GiB free"
        )


def convert_checkpoint(
    hf_dir: Path,
    out: Path,
    quant: str = "Q4_K_M",
    *,
    threads: int = 0,
    pre_tokenizer: str | None = None,
    overwrite: bool = False,
    progress: Any = None,
) -> ConvertResult:
    """Convert the Hugging Face CWM checkpoint in ``hf_dir`` to a GGUF at ``out``."""
    if quant not in QUANT_CHOICES:
        raise ConversionError(f"unknown --quant {quant} (choose from {', '.join(QUANT_CHOICES)})")
    if out.exists() and not overwrite:
        raise ConversionError(f"{out} exists (pass --force to overwrite)")
    if not out.parent.is_dir():
        raise ConversionError(f"{out.parent}: no such directory")
    ckpt = open_checkpoint(hf_dir)
    _check_modules()
    _check_disk(ckpt, out, quant)
    partial = out.with_name(out.name + ".partial")
    intermediate = out.with_name(out.name + ".unquantized.partial")
    try:
        if quant in ("F16", "F32"):
            matrix_type: StoreType = "F16" if quant == "F16" else "F32"
            n_tensors = write_gguf(ckpt, partial, matrix_type, pre_tokenizer, progress)
        else:
            n_tensors = write_gguf(ckpt, intermediate, None, pre_tokenizer, progress)
            log.info("quantizing to %s with llama.cpp", quant)
            try:
                quantize(intermediate, partial, quant, threads)
            except QuantizeError as error:
                raise ConversionError(str(error)) from None
        os.replace(partial, out)
    finally:
        for leftover in (partial, intermediate):
            leftover.unlink(missing_ok=True)
    hp = ckpt.hparams
    return ConvertResult(
        path=out,
        quant=quant,
        size_bytes=out.stat().st_size,
        n_tensors=n_tensors,
        context_length=hp.context_cap,
        context_cap_reason=hp.context_cap_reason,
    )


# --------------------------------------------------------------------------- command line


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``convert`` to ``cwm-lsp model``'s subcommands; sets ``func=run``."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "convert",
        help="convert a Hugging Face CWM checkpoint to a quantized GGUF",
        description=(
            "Convert a Hugging Face CWM checkpoint (facebook/cwm: config.json, *.safetensors, "
            "tokenizer.json) into a llama-architecture GGUF for llama.cpp. The context length "
            "is capped at CWM's 8,192-token sliding window."
        ),
    )
    parser.add_argument("hf_dir", type=Path, metavar="HF_DIR", help="checkpoint directory")
    parser.add_argument("--out", type=Path, required=True, metavar="FILE.gguf", help="output file")
    parser.add_argument(
        "--quant",
        choices=QUANT_CHOICES,
        default="Q4_K_M",
        help="Q4_K_M (default, ~20 GB for CWM), Q8_0 (~35 GB), F16 (~65 GB) or F32",
    )
    parser.add_argument("--threads", type=int, default=0, help="quantizer threads (0 = all cores)")
    parser.add_argument(
        "--pre-tokenizer",
        default=None,
        metavar="NAME",
        help="llama.cpp pre-tokenizer name when tokenizer.json's is not recognised (llama-bpe)",
    )
    parser.add_argument("--force", action="store_true", help="overwrite FILE.gguf")
    parser.set_defaults(func=run)
    return parser


def _stderr_progress(fraction: float, message: str) -> None:
    sys.stderr.write(f"\r[{fraction:6.1%}] {message[:60]:<60}")
    if fraction >= 1.0:
        sys.stderr.write("\n")
    sys.stderr.flush()


def run(args: argparse.Namespace) -> int:
    """Run ``cwm-lsp model convert``; 0 on success, 2 with one line on stderr for bad input."""
    try:
        result = convert_checkpoint(
            args.hf_dir,
            args.out,
            args.quant,
            threads=args.threads,
            pre_tokenizer=args.pre_tokenizer,
            overwrite=args.force,
            progress=_stderr_progress if sys.stderr.isatty() else None,
        )
    except ConversionError as exc:
        sys.stderr.write(f"cwm-lsp model convert: error: {exc}\n")
        return 2
    except OSError as exc:
        sys.stderr.write(f"cwm-lsp model convert: error: {exc}\n")
        return 2
    sys.stdout.write(
        f"wrote {result.path} ({result.quant}, {result.size_bytes / 2**20:.1f} MiB, "
        f"{result.n_tensors} tensors)\n"
        f"context length capped at {result.context_length} tokens: {result.context_cap_reason}\n"
    )
    return 0
