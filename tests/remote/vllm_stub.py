"""A stand-in for vLLM's OpenAI-compatible server, for the request and response shapes only.

vLLM needs a GPU, and this machine has none, so the remote engine's vLLM
plumbing is checked against this double.  It is strict where vLLM is lenient:
a ``/v1/completions`` body is checked field by field against vLLM's
``CompletionRequest`` (vllm/entrypoints/openai/protocol.py) and a field vLLM
does not define (``n_predict``, ``cache_prompt``, ``n_probs``, ``grammar``: the
llama-server shape) is refused with a 400 in vLLM's error shape, where vLLM
itself would log and ignore it.  ``logprobs`` above ``max_logprobs`` is
refused as vLLM refuses it.

Answers are in vLLM's streamed shape: one chunk per token with ``text``,
``token_ids`` and ``logprobs`` (``tokens`` / ``token_logprobs`` /
``top_logprobs`` keyed ``"token_id:ID"``), a final chunk with
``finish_reason`` and ``stop_reason``, then the usage chunk, with
``prompt_tokens_details.cached_tokens`` when ``prompt_tokens_details`` is on
(``--enable-prompt-tokens-details``), counted in blocks of 16 as vLLM's prefix
cache does.

Its "model" spells :data:`SCRIPT` after any prompt: tokens are bytes (id =
byte value) plus an end-of-text token; the most likely next token continues
the script from the longest suffix of the history that is a prefix of it.  It
applies no grammar (it only checks that one is a string).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from stub_server import send_json, serve_on_loopback

SCRIPT = b"y = 5\n"
EOS = 256
FRAME_SEP = 257
SPECIAL = {EOS: "<|endoftext|>", FRAME_SEP: "<|frame_sep|>"}
MODEL = "facebook/cwm"
BLOCK = 16

#: vLLM's CompletionRequest fields (OpenAI's, then vLLM's sampling and extra parameters)
COMPLETION_FIELDS = {
    "model", "prompt", "echo", "frequency_penalty", "logit_bias", "logprobs", "max_tokens", "n",
    "presence_penalty", "seed", "stop", "stream", "stream_options", "suffix", "temperature",
    "top_p", "user", "use_beam_search", "top_k", "min_p", "repetition_penalty",
    "length_penalty", "stop_token_ids", "include_stop_str_in_output", "ignore_eos",
    "min_tokens", "skip_special_tokens", "spaces_between_special_tokens",
    "truncate_prompt_tokens", "allowed_token_ids", "prompt_logprobs", "prompt_embeds",
    "add_special_tokens", "response_format", "structured_outputs", "priority", "request_id",
    "logits_processors", "return_tokens_as_token_ids", "return_token_ids", "cache_salt",
    "kv_transfer_params", "vllm_xargs",
}  # fmt: skip
#: StructuredOutputsParams fields
STRUCTURED_FIELDS = {
    "json", "regex", "choice", "grammar", "json_object", "disable_fallback",
    "disable_any_whitespace", "disable_additional_properties", "whitespace_pattern",
    "structural_tag",
}  # fmt: skip
#: fields vLLM removed in 0.12 (kept by older servers)
OLD_FIELDS = {"guided_json", "guided_regex", "guided_choice", "guided_grammar"}


def _v(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split(".") if part.isdigit())


@dataclass
class VllmStub:
    """What the stub serves and what it was sent."""

    version: str = "0.11.0"
    max_model_len: int = 8192
    max_logprobs: int = 2048
    prompt_tokens_details: bool = True
    #: the request bodies of /v1/completions, in order
    completions: list[dict[str, Any]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    _cached: list[int] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # -------------------------------------------------------------- the "model"

    def next_token(self, history: list[int]) -> int:
        for k in range(min(len(SCRIPT), len(history)), -1, -1):
            tail = bytes(t for t in history[len(history) - k :] if t < 256)
            if len(tail) == k and SCRIPT.startswith(tail):
                return SCRIPT[k] if k < len(SCRIPT) else EOS
        return SCRIPT[0]

    def ranked(self, history: list[int], n: int) -> list[tuple[int, float]]:
        best = self.next_token(history)
        others = [t for t in range(257) if t != best]
        return [(best, -0.05)] + [(t, -3.0 - 0.01 * i) for i, t in enumerate(others[: n - 1])]

    # -------------------------------------------------------------- validation

    def problems(self, body: dict[str, Any]) -> list[str]:
        allowed = COMPLETION_FIELDS | (OLD_FIELDS if _v(self.version) < (0, 12) else set())
        out = [f"unknown field {name!r}" for name in body if name not in allowed]
        prompt = body.get("prompt")
        if not (isinstance(prompt, list) and prompt and all(isinstance(t, int) for t in prompt)):
            out.append("prompt must be a non-empty list of token ids here")
        for name in ("max_tokens", "logprobs", "seed", "top_k"):
            if name in body and not isinstance(body[name], int):
                out.append(f"{name} must be an integer")
        if isinstance(body.get("logprobs"), int) and body["logprobs"] > self.max_logprobs:
            out.append(
                f"Requested sample logprobs of {body['logprobs']}, which is greater than "
                f"max allowed: {self.max_logprobs}"
            )
        stops = body.get("stop_token_ids", [])
        if not (isinstance(stops, list) and all(isinstance(t, int) for t in stops)):
            out.append("stop_token_ids must be a list of token ids")
        structured = body.get("structured_outputs")
        if structured is not None:
            if _v(self.version) < (0, 10, 2):
                out.append("structured_outputs is not known before vLLM 0.10.2")
            elif not isinstance(structured, dict) or set(structured) - STRUCTURED_FIELDS:
                out.append("structured_outputs has fields StructuredOutputsParams does not")
            elif not isinstance(structured.get("grammar", ""), str):
                out.append("structured_outputs.grammar must be a string")
        if body.get("stream_options") and not body.get("stream"):
            out.append("Stream options can only be defined when `stream=True`.")
        return out

    # -------------------------------------------------------------- answers

    def complete(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        prompt: list[int] = list(body["prompt"])
        with self._lock:
            common = next(
                (i for i, (a, b) in enumerate(zip(self._cached, prompt, strict=False)) if a != b),
                min(len(self._cached), len(prompt)),
            )
        cached = min(common, len(prompt) - 1) // BLOCK * BLOCK
        n_top = int(body.get("logprobs") or 0)
        stops = set(body.get("stop_token_ids") or [])
        as_ids = bool(body.get("return_tokens_as_token_ids"))
        history = list(prompt)
        chunks: list[dict[str, Any]] = []
        reason, stop_reason = "length", None
        for _ in range(int(body.get("max_tokens") or 16)):
            ranked = self.ranked(history, max(1, n_top))
            token = ranked[0][0]
            history.append(token)
            name = f"token_id:{token}" if as_ids else self.text([token])
            choice: dict[str, Any] = {
                "index": 0,
                "text": "" if token in SPECIAL and body.get("skip_special_tokens", True)
                else self.text([token]),
                "finish_reason": None,
                "stop_reason": None,
            }  # fmt: skip
            if body.get("return_token_ids"):
                choice["token_ids"] = [token]
            if n_top:
                choice["logprobs"] = {
                    "text_offset": [0],
                    "token_logprobs": [ranked[0][1]],
                    "tokens": [name],
                    "top_logprobs": [
                        {
                            (f"token_id:{t}" if as_ids else self.text([t])): lp
                            for t, lp in ranked[:n_top]
                        }
                    ],
                }
            chunks.append(self.chunk([choice]))
            if token == EOS:
                reason = "stop"
                break
            if token in stops:
                reason, stop_reason = "stop", token
                break
        with self._lock:
            self._cached = history[:-1]
        chunks.append(
            self.chunk(
                [{"index": 0, "text": "", "finish_reason": reason, "stop_reason": stop_reason}]
            )
        )
        usage: dict[str, Any] = {
            "prompt_tokens": len(prompt),
            "completion_tokens": len(history) - len(prompt),
            "total_tokens": len(history),
        }
        if self.prompt_tokens_details:
            usage["prompt_tokens_details"] = {"cached_tokens": cached}
        if (body.get("stream_options") or {}).get("include_usage"):
            chunks.append(self.chunk([], usage=usage))
        return chunks

    def chunk(self, choices: list[dict[str, Any]], usage: object = None) -> dict[str, Any]:
        return {
            "id": "cmpl-stub",
            "object": "text_completion",
            "created": 0,
            "model": MODEL,
            "choices": choices,
            "usage": usage,
        }

    @staticmethod
    def text(tokens: list[int]) -> str:
        return "".join(SPECIAL.get(t) or chr(t) for t in tokens)

    def tokenize(self, text: str) -> list[int]:
        out: list[int] = []
        i = 0
        while i < len(text):
            special = next(((t, s) for t, s in SPECIAL.items() if text.startswith(s, i)), None)
            if special is not None:
                out.append(special[0])
                i += len(special[1])
            else:
                out.extend(text[i].encode("utf-8"))
                i += 1
        return out


def _error(handler: BaseHTTPRequestHandler, message: str, status: int = 400) -> None:
    kind = "BadRequestError" if status == 400 else "NotFoundError"
    send_json(
        handler,
        {"error": {"message": message, "type": kind, "param": None, "code": status}},
        status,
    )


@contextmanager
def vllm_stub(stub: VllmStub) -> Iterator[str]:
    """Serve ``stub`` on a loopback port; yields the base URL."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            stub.paths.append(self.path)
            if self.path == "/v1/models":
                card = {
                    "id": MODEL, "object": "model", "created": 0, "owned_by": "vllm",
                    "root": MODEL, "parent": None, "max_model_len": stub.max_model_len,
                    "permission": [],
                }  # fmt: skip
                send_json(self, {"object": "list", "data": [card]})
            elif self.path == "/version":
                send_json(self, {"version": stub.version})
            elif self.path == "/health":
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()
            else:
                _error(self, "Not Found", 404)

        def do_POST(self) -> None:
            stub.paths.append(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            if self.path == "/tokenize":
                tokens = stub.tokenize(str(body.get("prompt", "")))
                send_json(self, {"count": len(tokens), "max_model_len": stub.max_model_len,
                             "tokens": tokens, "token_strs": None})  # fmt: skip
            elif self.path == "/detokenize":
                send_json(self, {"prompt": stub.text(list(body.get("tokens", [])))})
            elif self.path == "/v1/completions":
                stub.completions.append(body)
                problems = stub.problems(body)
                if problems:
                    _error(self, "; ".join(problems))
                    return
                chunks = stub.complete(body)
                if not body.get("stream"):
                    _error(self, "the stub answers streamed requests only")
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")
                self.end_headers()
                for chunk in chunks:
                    self.wfile.write(b"data: " + json.dumps(chunk).encode() + b"\n\n")
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()
                self.close_connection = True
            else:
                _error(self, "Not Found", 404)

    with serve_on_loopback(Handler) as url:
        yield url
