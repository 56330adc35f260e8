"""llama.cpp with the exported GGUF LoRA computes what torch with the adapter computes.

On the tiny random Qwen2 and an adapter trained for three steps in the test
session, over a trace prompt (a corpus row as a training example: prompt and
frames, a few hundred tokens), next-token logits at every position.
Tolerances, relative to the logit range (max - min over the positions and the
vocabulary, about 30 here), as tests/convert/ states them:

* base model, no adapter: llama.cpp against transformers <= 1e-3 (float rounding);
* with the f32 adapter: <= 1e-3, the same top-1 token everywhere;
* with the f16 adapter: <= 2e-3;
* and the adapter moves the logits by >= 1e-2 of the range (ten times the tolerance),
  so the check above is not passing on a no-op adapter.

Measured (444 positions): base 1.5e-4, f32 adapter 1.7e-4, f16 adapter 1.7e-4; the
adapter effect 0.56 of the range (three steps at a learning rate of 0.05).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from train.conftest import require_llama_cpp, require_train_extra

pytestmark = pytest.mark.slow

TOLERANCE_F32 = 1e-3
TOLERANCE_F16 = 2e-3
MIN_EFFECT = 1e-2


def llama_cpp_logits(model: Path, ids: list[int], adapter: Path | None = None) -> np.ndarray:
    require_llama_cpp()
    from llama_cpp import Llama

    extra: dict[str, Any] = {"lora_path": str(adapter)} if adapter is not None else {}
    llm = Llama(
        model_path=str(model),
        n_ctx=len(ids) + 8,
        n_batch=len(ids) + 8,
        n_ubatch=len(ids) + 8,
        n_threads=2,
        n_gpu_layers=0,
        logits_all=True,
        verbose=False,
        **extra,
    )
    try:
        llm.eval(ids)
        return np.asarray(llm.scores[: len(ids)], dtype=np.float64)
    finally:
        llm.close()


def relative_error(ours: np.ndarray, reference: np.ndarray) -> float:
    spread = float(reference.max() - reference.min())
    return float(np.abs(ours - reference).max()) / spread


@pytest.fixture(scope="module")
def prompt_ids(tiny_run: Any, tiny_corpus: Path, tiny_vocab: Any) -> list[int]:
    """A trace prompt: the shortest corpus row as the trainer sees it (prompt and frames)."""
    from cwm_lsp.corpus.records import read_rows
    from cwm_lsp.train.examples import Example, build_example
    from cwm_lsp.train.teacher import TeacherEngine

    teacher = TeacherEngine(tiny_vocab)
    examples = [build_example(row, teacher, fewshot=False) for row in read_rows(tiny_corpus)]
    example = min((e for e in examples if isinstance(e, Example)), key=lambda e: len(e.ids))
    assert 100 < len(example.ids) < 2048
    return example.ids


@pytest.fixture(scope="module")
def torch_logits(tiny_run: Any, tiny_qwen2: Path, prompt_ids: list[int]) -> dict[str, np.ndarray]:
    """transformers' logits without and with the trained adapter."""
    require_train_extra()
    from cwm_lsp.train import lora
    from cwm_lsp.train.base import all_logits, load_base
    from cwm_lsp.train.checkpoint import load_checkpoint

    _, result = tiny_run
    saved = load_checkpoint(result.checkpoint)
    model = load_base(tiny_qwen2)
    base = all_logits(model, prompt_ids).astype(np.float64)
    attached = lora.attach(model, saved.spec, seed=0)
    lora.load_state(attached, saved.lora)
    tuned = all_logits(model, prompt_ids).astype(np.float64)
    return {"base": base, "tuned": tuned}


def test_without_an_adapter_llama_cpp_and_torch_agree(
    tiny_qwen2: Path, prompt_ids: list[int], torch_logits: dict[str, np.ndarray]
) -> None:
    ours = llama_cpp_logits(tiny_qwen2, prompt_ids)
    error = relative_error(ours, torch_logits["base"])
    print(f"base: max |diff| / range = {error:.1e} over {len(prompt_ids)} positions")
    assert error <= TOLERANCE_F32


def test_with_the_f32_adapter_llama_cpp_and_torch_agree_and_the_adapter_matters(
    tiny_run: Any, tiny_qwen2: Path, prompt_ids: list[int], torch_logits: dict[str, np.ndarray]
) -> None:
    _, result = tiny_run
    ours = llama_cpp_logits(tiny_qwen2, prompt_ids, result.adapter)
    reference = torch_logits["tuned"]
    error = relative_error(ours, reference)
    effect = relative_error(torch_logits["base"], reference)
    print(f"f32 adapter: max |diff| / range = {error:.1e}; adapter effect {effect:.1e}")
    assert error <= TOLERANCE_F32
    assert (ours.argmax(axis=1) == reference.argmax(axis=1)).all()
    assert effect >= MIN_EFFECT


def test_with_the_f16_adapter_llama_cpp_stays_close(
    tiny_run: Any,
    tiny_qwen2: Path,
    prompt_ids: list[int],
    torch_logits: dict[str, np.ndarray],
    tmp_path: Path,
) -> None:
    from cwm_lsp.train.export import export_checkpoint

    _, result = tiny_run
    half = export_checkpoint(result.checkpoint, tmp_path / "f16.gguf", dtype="f16")
    error = relative_error(llama_cpp_logits(tiny_qwen2, prompt_ids, half), torch_logits["tuned"])
    print(f"f16 adapter: max |diff| / range = {error:.1e}")
    assert error <= TOLERANCE_F16
