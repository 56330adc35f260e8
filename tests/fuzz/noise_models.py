"""World models whose engine is noise: the real formats, sessions and decoder over a
:class:`~tests.fuzz.random_engine.RandomEngine` (see there).

``generic``: the embedded default model's vocabulary (Qwen2.5-Coder, byte-level
BPE, 151,936 tokens) through the generic text format, constrained as in use.
``cwm``: the tiny native-CWM GGUF's vocabulary (tests/tiny_cwm.py: the trace
tokens as control tokens) through the native format, unconstrained inside a
frame as the real CWM is.
"""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path
from typing import Literal

from cwm_lsp.engine import Engine
from cwm_lsp.model.api import ModelInfo
from cwm_lsp.model.world import LlamaWorldModel

from .random_engine import Noise, RandomEngine

Format = Literal["generic", "cwm"]
FORMATS: tuple[Format, ...] = ("generic", "cwm")
TESTS = Path(__file__).resolve().parents[1]


@functools.cache
def vocabulary(path: str) -> Engine:
    """A GGUF's vocabulary alone (llama.cpp, no weights), opened once per process."""
    from cwm_lsp.engine.llama_loader import open_vocabulary

    return open_vocabulary(path)


def default_model_path() -> str:
    from cwm_lsp.model import ensure_default_model

    return str(ensure_default_model())


def tiny_cwm_path(folder: Path) -> str:
    """The tiny native-CWM GGUF, written into ``folder`` once."""
    sys.path.insert(0, str(TESTS))
    from tiny_cwm import write_tiny_cwm

    path = folder / "tiny-cwm.gguf"
    if not path.exists():
        write_tiny_cwm(path)
    return str(path)


def noise_model(
    fmt: Format,
    vocab_path: str,
    *,
    seed: int,
    noise: Noise = "tokens",
    break_contract: float = 0.0,
    n_ctx: int = 8192,
) -> LlamaWorldModel:
    engine = RandomEngine(
        vocabulary(vocab_path), seed=seed, noise=noise, break_contract=break_contract, n_ctx=n_ctx
    )
    info = ModelInfo(
        path=vocab_path,
        origin="settings",
        format=fmt,
        size_bytes=os.path.getsize(vocab_path),
        name=f"noise ({noise}, {fmt})",
        n_ctx=n_ctx,
    )
    return LlamaWorldModel(engine, info)
