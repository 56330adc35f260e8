"""vLLM's OpenAI-compatible server, as the remote engine uses it, and telling it from llama-server.

The same calls as :class:`~cwm_lsp.engine.remote_api.LlamaServerAPI`, in
vLLM's request and response shapes:

- ``/v1/completions`` with ``prompt`` as token ids, ``max_tokens``,
  ``logprobs: N`` (the top N by raw logits: vLLM's default
  ``--logprobs-mode raw_logprobs``; the server must allow N with
  ``--max-logprobs``), ``return_tokens_as_token_ids`` (candidates as
  ``"token_id:ID"``) and ``return_token_ids`` (the generated ids),
  ``skip_special_tokens: false``, stop by token id with ``stop_token_ids``,
  a grammar as ``structured_outputs: {"grammar": …}`` (``guided_grammar``
  before vLLM 0.11), and every sampling default the model's generation
  config may set (top-p, min-p, penalties) sent explicitly so temperature 0
  is greedy on the raw logits;
- the prefix cache's share of the prompt from
  ``usage.prompt_tokens_details.cached_tokens`` (only when vLLM runs with
  ``--enable-prompt-tokens-details``; otherwise the counters are unknown);
- ``/tokenize`` and ``/detokenize`` (vLLM gives no bytes per token: the
  engine asks ``/detokenize`` for a token's text when it needs it);
- ``/v1/models`` for the served name and ``max_model_len``, ``/version``.

A token-level grammar (llama.cpp's ``<[id]>`` references, which the native
CWM format uses) is not sent: vLLM's grammar backends cannot say it, so the
native format's ``<|frame_sep|>`` is a ``stop_token_ids`` entry instead and
the format's own constraint checks the event token.

Not run here: there is no GPU on this machine, so these shapes are checked
against vLLM's own request and response models (tests/remote/vllm_stub.py),
not a running vLLM.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from typing import Any

from cwm_lsp.engine.remote_api import (
    Candidate,
    Completion,
    LlamaServerAPI,
    ServerAPI,
    ServerProps,
)
from cwm_lsp.engine.remote_http import HttpClient, RemoteError, StopCheck

#: top-k of the sampler chain, as LlamaServerAPI asks of llama-server
TOP_K = 64
_TOKEN_ID_PREFIX = "token_id:"


class VllmAPI:
    """The calls the remote engine makes to one vLLM server (``vllm serve``)."""

    kind = "vllm"

    def __init__(self, client: HttpClient, *, model: str | None = None, version: str = "") -> None:
        self.client = client
        self.model = model
        self.version = version
        self._served = model or ""

    def health(self) -> bool:
        try:
            self.client.get("/v1/models", retry=False)
        except RemoteError:
            return False
        return True

    def _entries(self) -> list[dict[str, Any]]:
        body = self.client.get("/v1/models")
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, list):
            raise RemoteError(f"{self.client.base_url}/v1/models has no model list", transient=True)
        return [entry for entry in data if isinstance(entry, dict) and entry.get("id")]

    def props(self) -> ServerProps:
        entries = self._entries()
        wanted = [e for e in entries if e.get("id") == self.model] if self.model else entries
        if not wanted:
            names = ", ".join(str(e["id"]) for e in entries) or "none"
            raise RemoteError(
                f"{self.client.base_url}/v1/models does not list {self.model or 'a model'} "
                f"(it serves: {names})",
                transient=False,
            )
        entry = wanted[0]
        self._served = str(entry["id"])
        return ServerProps(
            model=self._served,
            n_ctx=int(entry.get("max_model_len") or 0),
            total_slots=0,
            bos_text="",
            eos_text="",
            build=f"vLLM {self.version}".strip(),
            raw={"models": entries, "version": self.version},
            kind=self.kind,
        )

    def n_vocab(self) -> int:
        return 0  # vLLM does not say

    def tokenize(self, text: str, *, special: bool) -> list[tuple[int, bytes]]:
        """Token ids of ``text`` (no bytes: vLLM's token strings are the tokenizer's own
        spelling, not bytes).  vLLM always reads control tokens' text as the control
        tokens, whatever ``special`` says."""
        body = self.client.post(
            "/tokenize", {"model": self._served, "prompt": text, "add_special_tokens": False}
        )
        tokens = body.get("tokens") if isinstance(body, dict) else None
        if not isinstance(tokens, list):
            raise RemoteError(
                f"{self.client.base_url}/tokenize answered without 'tokens'", transient=True
            )
        return [(int(token), b"") for token in tokens]

    def detokenize(self, tokens: Sequence[int]) -> str:
        body = self.client.post("/detokenize", {"model": self._served, "tokens": list(tokens)})
        text = body.get("prompt") if isinstance(body, dict) else None
        if not isinstance(text, str):
            raise RemoteError(
                f"{self.client.base_url}/detokenize answered without 'prompt'", transient=True
            )
        return text

    def grammar_field(self) -> str:
        """``structured_outputs`` (vLLM 0.11 on, or a version it does not say), else the
        older ``guided_grammar``."""
        parts = self.version.split(".")
        try:
            major, minor = int(parts[0]), int(parts[1])
        except (IndexError, ValueError):
            return "structured_outputs"
        return "structured_outputs" if (major, minor) >= (0, 11) else "guided_grammar"

    def payload(
        self,
        prompt: Sequence[int],
        *,
        n_predict: int,
        temperature: float,
        seed: int,
        grammar: str | None = None,
        n_probs: int = 1,
        stop_tokens: Collection[int] = (),
    ) -> dict[str, Any]:
        """The ``/v1/completions`` body (without ``stream``, which the client adds)."""
        payload: dict[str, Any] = {
            "model": self._served,
            "prompt": list(prompt),
            "max_tokens": n_predict,
            "temperature": max(0.0, temperature),
            "top_k": TOP_K,
            "top_p": 1.0,
            "min_p": 0.0,
            "repetition_penalty": 1.0,
            "presence_penalty": 0.0,
            "frequency_penalty": 0.0,
            "seed": seed,
            "logprobs": max(1, n_probs),
            "return_tokens_as_token_ids": True,
            "return_token_ids": True,
            "skip_special_tokens": False,
            "stream_options": {"include_usage": True},
        }
        if stop_tokens:
            payload["stop_token_ids"] = sorted(stop_tokens)
        if grammar and not has_token_references(grammar):
            if self.grammar_field() == "structured_outputs":
                payload["structured_outputs"] = {"grammar": grammar}
            else:
                payload["guided_grammar"] = grammar
        return payload

    def complete(
        self,
        prompt: Sequence[int],
        *,
        n_predict: int,
        temperature: float,
        seed: int,
        grammar: str | None = None,
        n_probs: int = 1,
        should_stop: StopCheck | None = None,
        stop_tokens: Collection[int] = (),
    ) -> Completion:
        payload = self.payload(
            prompt,
            n_predict=n_predict,
            temperature=temperature,
            seed=seed,
            grammar=grammar,
            n_probs=n_probs,
            stop_tokens=stop_tokens,
        )
        events = self.client.stream("/v1/completions", payload, should_stop)
        return vllm_completion(events, self.client.base_url + "/v1/completions")


def has_token_references(grammar: str) -> bool:
    """Whether a GBNF grammar names tokens by id (llama.cpp's ``<[id]>``), outside its
    string literals and character classes."""
    quoted = in_class = escaped = False
    for i, char in enumerate(grammar):
        if escaped:
            escaped = False
        elif char == "\\" and (quoted or in_class):
            escaped = True
        elif quoted:
            quoted = char != '"'
        elif in_class:
            in_class = char != "]"
        elif char == '"':
            quoted = True
        elif char == "[":
            in_class = True
        elif char == "<" and grammar.startswith("<[", i):
            return True
    return False


def _token_id(text: str, where: str) -> int:
    if text.startswith(_TOKEN_ID_PREFIX):
        try:
            return int(text[len(_TOKEN_ID_PREFIX) :])
        except ValueError:
            pass
    raise RemoteError(
        f"{where} sent a token that is not 'token_id:ID': {text!r}"[:200], transient=True
    )


def vllm_completion(events: list[dict[str, Any]], where: str) -> Completion:
    """A streamed ``/v1/completions`` answer (its chunks, then the usage chunk)."""
    out = Completion()
    usage: dict[str, Any] | None = None
    try:
        for event in events:
            if isinstance(event.get("usage"), dict):
                usage = event["usage"]
            for choice in event.get("choices") or []:
                logprobs = choice.get("logprobs") or {}
                names = logprobs.get("tokens") or []
                ids = choice.get("token_ids")
                if ids is None:
                    ids = [_token_id(str(name), where) for name in names]
                token_logprobs = logprobs.get("token_logprobs") or []
                tops = logprobs.get("top_logprobs") or []
                for i, token in enumerate(ids):
                    value = token_logprobs[i] if i < len(token_logprobs) else None
                    top = tops[i] if i < len(tops) else None
                    out.tokens.append(int(token))
                    out.pieces.append(b"")  # vLLM gives no bytes; the engine asks for them
                    out.probs.append(math.exp(float(value)) if value is not None else 0.0)
                    out.top.append(
                        [
                            Candidate(_token_id(str(name), where), b"", float(logprob))
                            for name, logprob in (top or {}).items()
                        ]
                    )
                reason = choice.get("finish_reason")
                if reason:
                    out.stop_type = {"stop": "eos", "length": "limit"}.get(str(reason), str(reason))
    except (AttributeError, TypeError, ValueError):
        raise RemoteError(f"{where} sent a chunk it should not", transient=True) from None
    if usage is not None:
        prompt_tokens = int(usage.get("prompt_tokens") or 0)
        details = usage.get("prompt_tokens_details") or {}
        cached = details.get("cached_tokens") if isinstance(details, dict) else None
        if cached is None:
            out.cache_known = False  # vLLM runs without --enable-prompt-tokens-details
            out.prompt_evaluated = prompt_tokens
        else:
            out.prompt_cached = int(cached)
            out.prompt_evaluated = prompt_tokens - int(cached)
    else:
        out.cache_known = False
    return out


def detect_api(client: HttpClient, *, model: str | None = None) -> ServerAPI:
    """The API of the server at ``client``'s endpoint: llama-server answers ``/props``;
    vLLM does not, and lists its models in ``/v1/models`` as ``owned_by: "vllm"``.

    A server that cannot be reached (or answers 5xx while it starts) raises the
    :class:`RemoteError` that says so, transient; one that is neither, a lasting one.
    """
    try:
        body = client.get("/props")
    except RemoteError as exc:
        if exc.status not in (404, 405):
            raise
        body = None
    if isinstance(body, dict) and ("default_generation_settings" in body or "total_slots" in body):
        return LlamaServerAPI(client, model=model)
    try:
        listed = client.get("/v1/models")
    except RemoteError as exc:
        if exc.status not in (404, 405):
            raise
        listed = None
    data = listed.get("data") if isinstance(listed, dict) else None
    owners = {str(e.get("owned_by")) for e in data or [] if isinstance(e, dict)}
    if "vllm" in owners:
        version = ""
        try:
            answer = client.get("/version", retry=False)
            version = str(answer.get("version") or "") if isinstance(answer, dict) else ""
        except RemoteError:
            pass
        return VllmAPI(client, model=model, version=version)
    raise RemoteError(
        f"{client.base_url} is neither llama-server (it does not answer /props) nor vLLM "
        f"(no model in /v1/models is owned_by vllm; owners: {', '.join(sorted(owners)) or 'none'})",
        transient=False,
    )
