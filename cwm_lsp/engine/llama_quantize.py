"""Quantizing a GGUF with llama.cpp's own quantizer (through llama-cpp-python)."""

from __future__ import annotations

import ctypes
from pathlib import Path


class QuantizeError(RuntimeError):
    """llama.cpp could not quantize the file (or is not installed)."""


#: --quant name -> llama.cpp's ``llama_ftype`` constant name in llama_cpp.
QUANT_FTYPES = {
    "Q4_K_M": "LLAMA_FTYPE_MOSTLY_Q4_K_M",
    "Q8_0": "LLAMA_FTYPE_MOSTLY_Q8_0",
    "F16": "LLAMA_FTYPE_MOSTLY_F16",
}


def quantize(source: Path, target: Path, quant: str, threads: int = 0) -> None:
    """Write ``target``: ``source`` quantized to ``quant`` by llama.cpp (``llama_model_quantize``)."""
    try:
        import llama_cpp
    except ImportError as exc:
        raise QuantizeError(f"quantizing needs llama-cpp-python: {exc}") from None
    if quant not in QUANT_FTYPES:
        raise QuantizeError(f"unknown quantization {quant} (choose from {', '.join(QUANT_FTYPES)})")
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = getattr(llama_cpp, QUANT_FTYPES[quant])
    params.nthread = threads
    status = llama_cpp.llama_model_quantize(
        str(source).encode(), str(target).encode(), ctypes.byref(params)
    )
    if status != 0:
        raise QuantizeError(f"llama.cpp could not quantize {source} to {quant} (status {status})")
