"""llama.cpp's ``llama-server`` API, as the remote engine uses it.

Token-id prompts to ``/completion`` (``cache_prompt``, so the server's slot
re-uses the longest common prefix and evaluates only the new tokens), GBNF
``grammar``, ``n_probs`` with the probabilities computed from the raw logits
(``post_sampling_probs`` off: the same numbers the in-process engine reports),
``return_tokens``; ``/tokenize`` with pieces, ``/detokenize``, ``/props``,
``/health``, ``/lora-adapters`` (the adapters the server applies, with the
task names their GGUFs carry).  Answers are streamed, so a cancelled prediction closes its
request.  The server's own counters (``timings.prompt_n``: prompt tokens
evaluated, ``timings.cache_n``: taken from the cache) come back with each
completion.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from cwm_lsp.engine.remote_http import HttpClient, RemoteError, StopCheck


@dataclass(frozen=True)
class Candidate:
    token: int
    piece: bytes
    logprob: float


@dataclass
class Completion:
    """Tokens the server generated, each with its bytes and probability (raw logits)."""

    tokens: list[int] = field(default_factory=list)
    pieces: list[bytes] = field(default_factory=list)
    probs: list[float] = field(default_factory=list)
    #: per generated token, the top candidates by raw logit (when asked for more than one)
    top: list[list[Candidate]] = field(default_factory=list)
    #: "eos" (an end-of-generation token or the grammar's end), "limit", "word", "none"
    stop_type: str = ""
    #: the server's counters for this request: prompt tokens evaluated / taken from the cache
    prompt_evaluated: int = 0
    prompt_cached: int = 0
    #: False when the server did not say how much of the prompt its cache held
    cache_known: bool = True
    seconds: float = 0.0


@dataclass(frozen=True)
class ServerAdapter:
    """A LoRA adapter the server loaded (``--lora``), as ``GET /lora-adapters`` lists it."""

    id: int
    path: str
    #: 0: loaded but not applied
    scale: float
    #: the GGUF's ``adapter.lora.task_name`` ("" when it has none)
    task_name: str = ""


@dataclass(frozen=True)
class ServerProps:
    """What the server says it serves (llama-server's ``/props``, vLLM's ``/v1/models``)."""

    model: str
    n_ctx: int
    #: parallel slots (0: the server does not say; vLLM batches continuously)
    total_slots: int
    bos_text: str
    eos_text: str
    build: str
    raw: dict[str, Any]
    #: "llama-server" or "vllm"
    kind: str = "llama-server"
    #: the LoRA adapters the server loaded (llama-server; a vLLM LoRA is a model of its own)
    adapters: tuple[ServerAdapter, ...] = ()

    @property
    def applied_adapters(self) -> tuple[ServerAdapter, ...]:
        """The adapters every request gets (a scale other than 0)."""
        return tuple(a for a in self.adapters if a.scale != 0)


class ServerAPI(Protocol):
    """The calls the remote engine makes to one server, whatever its kind."""

    kind: str
    client: HttpClient
    model: str | None

    def health(self) -> bool: ...

    def props(self) -> ServerProps: ...

    def n_vocab(self) -> int: ...

    def tokenize(self, text: str, *, special: bool) -> list[tuple[int, bytes]]: ...

    def detokenize(self, tokens: Sequence[int]) -> str: ...

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
    ) -> Completion: ...


class LlamaServerAPI:
    """The calls the remote engine makes to one ``llama-server``.

    ``stop_tokens`` are not sent: llama-server has no stop by token id, and the
    formats that need one (native CWM: ``<|frame_sep|>``) say it in their
    grammar, by token id, which llama-server's GBNF can.
    """

    kind = "llama-server"

    def __init__(self, client: HttpClient, *, model: str | None = None) -> None:
        self.client = client
        self.model = model

    def health(self) -> bool:
        try:
            body = self.client.get("/health", retry=False)
        except RemoteError:
            return False
        return isinstance(body, dict) and body.get("status") in ("ok", None)

    def props(self) -> ServerProps:
        body = self.client.get("/props")
        if not isinstance(body, dict):
            raise RemoteError(f"{self.client.base_url}/props is not an object", transient=False)
        settings = body.get("default_generation_settings") or {}
        n_ctx = int(settings.get("n_ctx") or body.get("n_ctx") or 0)
        return ServerProps(
            model=str(body.get("model_alias") or body.get("model_path") or ""),
            n_ctx=n_ctx,
            total_slots=int(body.get("total_slots") or 1),
            bos_text=str(body.get("bos_token") or ""),
            eos_text=str(body.get("eos_token") or ""),
            build=str(body.get("build_info") or ""),
            raw=body,
            kind=self.kind,
            adapters=self.adapters(),
        )

    def adapters(self) -> tuple[ServerAdapter, ...]:
        """``GET /lora-adapters`` (none when the server does not answer it: an older build)."""
        try:
            body = self.client.get("/lora-adapters", retry=False)
        except RemoteError:
            return ()
        found: list[ServerAdapter] = []
        for entry in body if isinstance(body, list) else []:
            if not isinstance(entry, dict):
                continue
            try:
                found.append(
                    ServerAdapter(
                        id=int(entry.get("id", len(found))),
                        path=str(entry.get("path") or ""),
                        scale=float(entry.get("scale", 1.0)),
                        task_name=str(entry.get("task_name") or ""),
                    )
                )
            except (TypeError, ValueError):
                continue
        return tuple(found)

    def n_vocab(self) -> int:
        """The vocabulary size from ``/v1/models`` (0 when the server does not say)."""
        try:
            body = self.client.get("/v1/models")
        except RemoteError:
            return 0
        for entry in (body or {}).get("data", []) if isinstance(body, dict) else []:
            meta = entry.get("meta") or {}
            if meta.get("n_vocab"):
                return int(meta["n_vocab"])
        return 0

    def tokenize(self, text: str, *, special: bool) -> list[tuple[int, bytes]]:
        """Token ids of ``text`` with each token's bytes (control tokens as their text)."""
        body = self.client.post(
            "/tokenize",
            {"content": text, "add_special": False, "parse_special": special, "with_pieces": True},
        )
        out: list[tuple[int, bytes]] = []
        for entry in _field(body, "tokens", list, self.client.base_url + "/tokenize"):
            if isinstance(entry, dict):
                piece = entry.get("piece", "")
                data = bytes(piece) if isinstance(piece, list) else str(piece).encode("utf-8")
                out.append((int(entry["id"]), data))
            else:
                out.append((int(entry), b""))
        return out

    def detokenize(self, tokens: Sequence[int]) -> str:
        body = self.client.post("/detokenize", {"tokens": list(tokens)})
        return str(_field(body, "content", str, self.client.base_url + "/detokenize"))

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
        payload: dict[str, Any] = {
            "prompt": list(prompt),
            "n_predict": n_predict,
            "temperature": max(0.0, temperature),
            "cache_prompt": True,
            "n_probs": max(1, n_probs),
            "post_sampling_probs": False,
            "return_tokens": True,
            "samplers": ["top_k", "temperature"],
            "top_k": 64,
            "seed": seed,
        }
        if self.model:
            payload["model"] = self.model
        if grammar:
            payload["grammar"] = grammar
        events = self.client.stream("/completion", payload, should_stop)
        return _completion(events, self.client.base_url + "/completion")


def _field(body: Any, name: str, kind: type, where: str) -> Any:
    if not isinstance(body, dict) or not isinstance(body.get(name), kind):
        raise RemoteError(f"{where} answered without {name!r}", transient=True)
    return body[name]


def _completion(events: list[dict[str, Any]], where: str) -> Completion:
    out = Completion()
    for event in events:
        probs = event.get("completion_probabilities") or []
        for entry in probs:
            try:
                token = int(entry["id"])
                logprob = float(entry.get("logprob", 0.0))
                piece = bytes(entry.get("bytes") or str(entry.get("token", "")).encode())
            except (KeyError, TypeError, ValueError):
                raise RemoteError(
                    f"{where} sent a token entry it should not: {entry!r}"[:200], transient=True
                ) from None
            out.tokens.append(token)
            out.pieces.append(piece)
            out.probs.append(math.exp(logprob))
            out.top.append(
                [
                    Candidate(int(c["id"]), bytes(c.get("bytes") or b""), float(c["logprob"]))
                    for c in entry.get("top_logprobs") or []
                ]
            )
        if event.get("stop"):
            out.stop_type = str(event.get("stop_type") or "")
            timings = event.get("timings") or {}
            out.prompt_evaluated = int(timings.get("prompt_n") or 0)
            out.prompt_cached = int(timings.get("cache_n") or 0)
            out.seconds = (
                float(timings.get("prompt_ms") or 0) + float(timings.get("predicted_ms") or 0)
            ) / 1000
    return out
