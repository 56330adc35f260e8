"""Fixtures for the conversion tests: one tiny random HF CWM checkpoint, converted on demand.

The checkpoint and each converted file are built once per test session.
Tests that need torch/transformers (the ``convert`` extra) or llama-cpp-python
are skipped with the reason when those are not installed.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from convert.tiny_hf_cwm import build_tiny_cwm

CONVERT_EXTRA = ("torch", "transformers", "tokenizers", "safetensors")


def _missing(modules: tuple[str, ...]) -> list[str]:
    return [m for m in modules if importlib.util.find_spec(m) is None]


def require_convert_extra() -> None:
    missing = _missing(CONVERT_EXTRA)
    if missing:
        pytest.skip(
            f"needs the convert extra ({', '.join(missing)} missing): pip install -e '.[convert]'"
        )


def require_llama_cpp() -> None:
    if _missing(("llama_cpp",)):
        pytest.skip("needs llama-cpp-python (llama.cpp) installed")


@pytest.fixture(scope="session")
def tiny_hf_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random CwmForCausalLM checkpoint with a CWM-token tokenizer (read-only: copy to modify)."""
    require_convert_extra()
    return build_tiny_cwm(tmp_path_factory.mktemp("tiny-hf-cwm"))


@pytest.fixture(scope="session")
def converted(tiny_hf_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """converted(quant) -> path of the tiny checkpoint converted with ``--quant quant``."""
    from cwm_lsp.convert.converter import convert_checkpoint

    out_dir = tmp_path_factory.mktemp("converted")
    cache: dict[str, Path] = {}

    def convert(quant: str) -> Path:
        if quant not in cache:
            if quant not in ("F32", "F16"):
                require_llama_cpp()
            out = out_dir / f"tiny-cwm-{quant.lower()}.gguf"
            cache[quant] = convert_checkpoint(tiny_hf_dir, out, quant).path
        return cache[quant]

    return convert


@pytest.fixture(scope="session")
def hf_model(tiny_hf_dir: Path) -> Any:
    """The tiny checkpoint loaded by transformers (CPU, float32, eager attention)."""
    import torch
    from transformers import CwmForCausalLM

    torch.set_num_threads(2)
    model = CwmForCausalLM.from_pretrained(
        tiny_hf_dir, dtype=torch.float32, attn_implementation="eager"
    )
    return model.eval()


@pytest.fixture(scope="session")
def hf_tokenizer(tiny_hf_dir: Path) -> Any:
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_hf_dir)
