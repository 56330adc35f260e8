"""The converted file tokenizes CWM's native trace format exactly as the Hugging Face tokenizer does."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from convert.conftest import require_llama_cpp
from convert.test_convert_logits import TRACE_PROMPT

pytestmark = pytest.mark.slow

TRACE_TOKEN_IDS = {
    "<|frame_sep|>": 128100,
    "<|action_sep|>": 128101,
    "<|return_sep|>": 128102,
    "<|call_sep|>": 128103,
    "<|line_sep|>": 128104,
    "<|exception_sep|>": 128105,
    "<|arg_sep|>": 128106,
    "<|trace_context_start|>": 128107,
}


@pytest.fixture(scope="module")
def llm(converted: Callable[[str], Path]) -> Iterator[Any]:
    require_llama_cpp()
    from llama_cpp import Llama

    model = Llama(model_path=str(converted("F16")), n_ctx=64, verbose=False, n_gpu_layers=0)
    yield model
    model.close()


def llama_ids(llm: Any, text: str, *, special: bool = True) -> list[int]:
    ids: list[int] = llm.tokenize(text.encode("utf-8"), add_bos=False, special=special)
    return ids


def test_native_trace_prompt_tokenizes_to_the_same_ids_as_transformers(
    llm: Any, hf_tokenizer: Any
) -> None:
    expected = hf_tokenizer(TRACE_PROMPT, add_special_tokens=False)["input_ids"]
    assert llama_ids(llm, TRACE_PROMPT) == expected


@pytest.mark.parametrize("token", [*TRACE_TOKEN_IDS, "<|begin_of_text|>", "<|end_of_text|>"])
def test_each_special_token_is_one_id_in_both(llm: Any, hf_tokenizer: Any, token: str) -> None:
    hf_ids = hf_tokenizer(token, add_special_tokens=False)["input_ids"]
    assert len(hf_ids) == 1
    assert llama_ids(llm, token) == hf_ids


def test_trace_tokens_keep_cwm_ids(llm: Any) -> None:
    assert {t: llama_ids(llm, t) for t in TRACE_TOKEN_IDS} == {
        t: [i] for t, i in TRACE_TOKEN_IDS.items()
    }


def test_trace_tokens_in_plain_text_are_not_control_tokens(llm: Any) -> None:
    """Parsed as text (special=False), a trace token's spelling is ordinary bytes."""
    ids = llama_ids(llm, "<|frame_sep|>", special=False)
    assert len(ids) > 1
    assert 128100 not in ids


def test_detokenizing_a_trace_reproduces_the_text(llm: Any, hf_tokenizer: Any) -> None:
    ids = hf_tokenizer(TRACE_PROMPT, add_special_tokens=False)["input_ids"]
    text = llm.detokenize(ids, special=True).decode("utf-8")
    assert text == TRACE_PROMPT


def test_bos_and_eos_are_cwm_s(llm: Any) -> None:
    assert llm.token_bos() == 128000
    assert llm.token_eos() == 128001
