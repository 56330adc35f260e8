"""A converted CWM computes what transformers computes: next-token logits at every prompt position.

Tolerances (measured on the tiny random checkpoint, logits spanning about
±1.5; stated relative to the logit range max - min over the vocabulary):

* F32: max |llama.cpp - transformers| <= 1e-3 of the range (float rounding only).
* F16: <= 1e-2 of the range (weights rounded to half precision).
* Q8_0: <= 5e-2 of the range, and the same top-1 token at >= 90 % of positions.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from convert.conftest import require_convert_extra, require_llama_cpp

pytestmark = pytest.mark.slow

TRACE_PROMPT = (
    "<|begin_of_text|><|trace_context_start|>"
    "def count(n):  # << START_OF_TRACE\n"
    "    total = 0\n"
    "    for i in range(n):\n"
    "        total += i\n"
    "    return total\n"
    "<|frame_sep|><|call_sep|>"
    '{"n": "3"}'
    "<|action_sep|>def count(n):<|frame_sep|><|line_sep|>"
    '{"n": ".."}'
    "<|action_sep|>    total = 0<|frame_sep|>"
)


def hf_logits(model: Any, ids: list[int]) -> np.ndarray[Any, Any]:
    import torch

    with torch.no_grad():
        out = model(torch.tensor([ids]))
    return np.asarray(out.logits[0].numpy(), dtype=np.float64)


def llama_cpp_logits(path: Path, ids: list[int]) -> np.ndarray[Any, Any]:
    require_llama_cpp()
    from llama_cpp import Llama

    llm = Llama(
        model_path=str(path),
        n_ctx=len(ids) + 8,
        n_batch=len(ids) + 8,
        n_threads=2,
        n_gpu_layers=0,
        logits_all=True,
        verbose=False,
    )
    try:
        llm.eval(ids)
        return np.asarray(llm.scores[: len(ids)], dtype=np.float64)
    finally:
        llm.close()


@pytest.fixture(scope="module")
def prompt_ids(hf_tokenizer: Any) -> list[int]:
    ids: list[int] = hf_tokenizer(TRACE_PROMPT, add_special_tokens=False)["input_ids"]
    return ids


@pytest.fixture(scope="module")
def reference(hf_model: Any, prompt_ids: list[int]) -> np.ndarray[Any, Any]:
    return hf_logits(hf_model, prompt_ids)


def relative_error(ours: np.ndarray[Any, Any], reference: np.ndarray[Any, Any]) -> float:
    """max |ours - reference| over all positions and tokens, divided by the reference's logit range."""
    spread = float(reference.max() - reference.min())
    return float(np.abs(ours - reference).max()) / spread


@pytest.mark.parametrize(("quant", "tolerance"), [("F32", 1e-3), ("F16", 1e-2)])
def test_converted_logits_match_transformers_at_every_position(
    quant: str,
    tolerance: float,
    converted: Callable[[str], Path],
    prompt_ids: list[int],
    reference: np.ndarray[Any, Any],
) -> None:
    ours = llama_cpp_logits(converted(quant), prompt_ids)
    error = relative_error(ours, reference)
    print(f"{quant}: max |diff| / logit range = {error:.2e} over {len(prompt_ids)} positions")
    assert error <= tolerance
    assert (ours.argmax(axis=1) == reference.argmax(axis=1)).all()


def test_q8_0_logits_stay_close_to_transformers(
    converted: Callable[[str], Path], prompt_ids: list[int], reference: np.ndarray[Any, Any]
) -> None:
    ours = llama_cpp_logits(converted("Q8_0"), prompt_ids)
    error = relative_error(ours, reference)
    same_top1 = float((ours.argmax(axis=1) == reference.argmax(axis=1)).mean())
    print(
        f"Q8_0: max |diff| / logit range = {error:.2e}, same top-1 at {same_top1:.0%} of positions"
    )
    assert error <= 5e-2
    assert same_top1 >= 0.9


def test_q4_k_m_file_loads_and_predicts_the_same_next_token(
    converted: Callable[[str], Path], prompt_ids: list[int], reference: np.ndarray[Any, Any]
) -> None:
    ours = llama_cpp_logits(converted("Q4_K_M"), prompt_ids)
    assert ours.shape == reference.shape
    # 4-bit weights on a random 64-wide model: only a coarse agreement is meaningful.
    assert relative_error(ours, reference) <= 0.25


def test_later_positions_match_too_so_llama3_rope_scaling_is_right(
    hf_model: Any, converted: Callable[[str], Path], hf_tokenizer: Any
) -> None:
    """Over ~140 positions the low frequencies turn far enough that a missing rope_freqs shows.

    Measured: without rope_freqs the error here is 1.0e-2 of the range (2.4e-3 on
    the trace prompt); without the Q/K permutation 0.39.
    """
    text = "<|begin_of_text|>" + "for i in range(10):\n    total += i\n" * 10
    ids: list[int] = hf_tokenizer(text, add_special_tokens=False)["input_ids"]
    assert len(ids) > 100
    error = relative_error(llama_cpp_logits(converted("F32"), ids), hf_logits(hf_model, ids))
    assert error <= 1e-3


def test_a_checkpoint_with_other_token_ids_converts_as_faithfully(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """Nothing in the converter assumes CWM's ids: a compact vocabulary (~400 ids) works too."""
    require_convert_extra()
    import torch
    from transformers import AutoTokenizer, CwmForCausalLM

    from convert.tiny_hf_cwm import build_tiny_cwm
    from cwm_lsp.convert.converter import convert_checkpoint

    hf_dir = build_tiny_cwm(tmp_path_factory.mktemp("compact"), layout="compact", seed=1)
    out = convert_checkpoint(hf_dir, hf_dir.parent / "compact.gguf", "F32").path
    ids = AutoTokenizer.from_pretrained(hf_dir)(TRACE_PROMPT, add_special_tokens=False)["input_ids"]
    assert max(ids) < 400
    model = CwmForCausalLM.from_pretrained(hf_dir, dtype=torch.float32, attn_implementation="eager")
    assert relative_error(llama_cpp_logits(out, ids), hf_logits(model.eval(), ids)) <= 1e-3
