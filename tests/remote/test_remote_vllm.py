"""vLLM's request and response shapes, against a double of its server (tests/remote/vllm_stub.py).

vLLM needs a GPU; none is here, so it was not run.  The double checks every
``/v1/completions`` body against vLLM's own request model (refusing the
fields llama-server takes and vLLM does not) and answers in vLLM's streamed
shape, so what is tested is the plumbing: telling vLLM from llama-server,
the fields sent, and reading tokens, probabilities, candidates and the
prefix cache's counters back.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import numpy as np
import pytest
from server_process import REPO_ROOT
from vllm_stub import EOS, FRAME_SEP, MODEL, SCRIPT, VllmStub, vllm_stub

from cwm_lsp.engine.remote import RemoteEngine
from cwm_lsp.engine.remote_hints import guided
from cwm_lsp.engine.remote_http import HttpClient, RemoteError
from cwm_lsp.engine.remote_vllm import VllmAPI, detect_api, has_token_references
from cwm_lsp.model.api import ModelConfig
from cwm_lsp.model.remote_loader import connect

GRAMMAR = 'root ::= "y" " " "=" " " [0-9]+ "\\n"'
NATIVE = f"root ::= (<[{FRAME_SEP - 1}]> (!<[{FRAME_SEP}]>)* <[{FRAME_SEP}]> | <[{EOS}]>)?"


@pytest.fixture
def stub() -> VllmStub:
    return VllmStub()


@pytest.fixture
def url(stub: VllmStub) -> Iterator[str]:
    with vllm_stub(stub) as base:
        yield base


def test_a_vllm_server_is_told_from_llama_server_by_its_model_list(url: str) -> None:
    api = detect_api(HttpClient(url))
    assert isinstance(api, VllmAPI)
    props = api.props()
    assert (props.kind, props.model, props.n_ctx) == ("vllm", MODEL, 8192)
    assert props.build == "vLLM 0.11.0"


def test_a_server_that_is_neither_says_so(url: str) -> None:
    with pytest.raises(RemoteError) as caught:
        detect_api(HttpClient(url + "/nothing-here"))
    assert "neither llama-server" in str(caught.value) and not caught.value.transient


def test_a_request_is_in_vllm_shape_with_no_llama_server_field(url: str, stub: VllmStub) -> None:
    engine = connect(ModelConfig(endpoint=url), url)
    prompt = engine.tokenize("x = 4\n")
    engine.api.complete(
        prompt, n_predict=8, temperature=0.0, seed=0, grammar=GRAMMAR, n_probs=64,
        stop_tokens={FRAME_SEP},
    )  # fmt: skip
    body = stub.completions[-1]
    assert body["prompt"] == prompt and all(isinstance(t, int) for t in body["prompt"])
    assert body["model"] == MODEL
    assert (body["max_tokens"], body["logprobs"], body["stop_token_ids"]) == (8, 64, [FRAME_SEP])
    assert body["structured_outputs"] == {"grammar": GRAMMAR}
    assert body["return_tokens_as_token_ids"] and body["return_token_ids"]
    assert body["skip_special_tokens"] is False and body["stream"] is True
    # greedy on the raw logits, whatever the model's generation config says
    assert (body["temperature"], body["top_p"], body["repetition_penalty"]) == (0.0, 1.0, 1.0)
    assert not {"n_predict", "cache_prompt", "n_probs", "grammar", "samplers"} & set(body)
    assert stub.problems(body) == []


def test_an_answer_in_vllm_shape_gives_tokens_probabilities_candidates_and_cache_counts(
    url: str,
) -> None:
    api = detect_api(HttpClient(url))
    api.props()
    prompt = [ord(c) for c in "# a prompt long enough for two cache blocks of sixteen\n"]
    first = api.complete(prompt, n_predict=16, temperature=0.0, seed=0, n_probs=64)
    assert bytes(first.tokens[:-1]) == SCRIPT and first.tokens[-1] == EOS
    assert first.stop_type == "eos"
    assert first.probs[0] == pytest.approx(np.exp(-0.05))
    assert len(first.top[0]) == 64 and first.top[0][0].token == SCRIPT[0]
    again = api.complete(prompt, n_predict=1, temperature=0.0, seed=0)
    assert again.cache_known and again.prompt_cached == 48  # whole blocks of 16
    assert again.prompt_evaluated == len(prompt) - 48


def test_without_prompt_token_details_the_cache_is_unknown(url: str, stub: VllmStub) -> None:
    stub.prompt_tokens_details = False
    api = detect_api(HttpClient(url))
    api.props()
    answer = api.complete([1, 2, 3], n_predict=1, temperature=0.0, seed=0)
    assert not answer.cache_known and answer.prompt_evaluated == 3


def test_a_token_level_grammar_is_left_out_and_the_frame_stops_on_its_token_id(
    url: str, stub: VllmStub
) -> None:
    """Native CWM: vLLM's grammars cannot name tokens by id, so <|frame_sep|> travels as a
    stop_token_ids entry; the stop token comes back as the last token."""
    assert has_token_references(NATIVE) and not has_token_references(GRAMMAR)
    assert not has_token_references('root ::= "<[1]>" | [<[]')
    api = detect_api(HttpClient(url))
    api.props()
    stub_script = [ord(c) for c in "y = 5"] + [FRAME_SEP]
    stub.next_token = lambda history: stub_script[min(len(history) - 3, 5)]  # type: ignore[method-assign]
    answer = api.complete(
        [1, 2, 3], n_predict=20, temperature=0.0, seed=0, grammar=NATIVE, stop_tokens={FRAME_SEP}
    )
    body = stub.completions[-1]
    assert "structured_outputs" not in body and body["stop_token_ids"] == [FRAME_SEP]
    assert answer.tokens == stub_script


def test_an_older_vllm_gets_guided_grammar(url: str, stub: VllmStub) -> None:
    stub.version = "0.10.1"
    api = detect_api(HttpClient(url))
    api.props()
    api.complete([1, 2, 3], n_predict=2, temperature=0.0, seed=0, grammar=GRAMMAR)
    body = stub.completions[-1]
    assert body["guided_grammar"] == GRAMMAR and "structured_outputs" not in body
    assert stub.problems(body) == []


def test_too_many_candidates_for_the_server_says_what_it_allows(url: str, stub: VllmStub) -> None:
    stub.max_logprobs = 20  # vLLM's default: the README says to start it with --max-logprobs
    api = detect_api(HttpClient(url))
    api.props()
    with pytest.raises(RemoteError) as caught:
        api.complete([1, 2, 3], n_predict=1, temperature=0.0, seed=0, n_probs=64)
    assert "answered 400" in str(caught.value) and "max allowed: 20" in str(caught.value)


def test_the_remote_engine_draws_tokens_from_vllm(url: str, stub: VllmStub) -> None:
    """The engine's proposals and constrained choices over vLLM: tokens' bytes are asked
    of /detokenize (vLLM sends none), and the choice after a refused token comes from
    the candidates the proposal brought, with no request."""
    engine = connect(ModelConfig(endpoint=url), url)
    assert isinstance(engine, RemoteEngine) and engine.api.kind == "vllm"
    history = engine.tokenize("# the stub spells its script\n")
    rng = np.random.default_rng(0)
    drawn: list[int] = []
    with guided(engine, lambda: GRAMMAR, max_tokens=16):
        for _ in range(len(SCRIPT)):
            engine.sync(0, history + drawn)
            refuse_five = drawn == list(b"y = ")
            pick = engine.sample(
                (lambda t: engine.piece(t) != b"5") if refuse_five else None, 0.0, rng
            )
            drawn.append(pick.token)
    assert bytes(drawn[:4]) == b"y = " and drawn[4] != ord("5")  # the refused one replaced
    assert engine.stats.choices_from_candidates == 1 and engine.stats.single_choices == 0
    # one proposal, then a new one after the replacement
    assert engine.stats.proposals == engine.stats.requests == len(stub.completions) == 2
    assert "/detokenize" in stub.paths


def test_model_info_says_the_server_is_vllm(url: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cwm_lsp", "model", "info", "--endpoint", url],
        capture_output=True, text=True, timeout=120, cwd=REPO_ROOT, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "server:   vllm (vLLM 0.11.0)" in result.stdout
    assert f"model:    {MODEL.rsplit('/', 1)[-1]}" in result.stdout
    assert "prefix cache: yes" in result.stdout
