"""Plain text completion from the already-loaded model, for the direct baseline.

The model is never loaded twice.  A WorldModel with a ``complete(prompt, *,
max_tokens, temperature, stop, seed)`` method is used through it; otherwise
a model that exposes its llama.cpp :class:`~cwm_lsp.engine.llama.Engine`
(``model.engine``, as :class:`~cwm_lsp.model.world.LlamaWorldModel` does) is
completed through the model room's :class:`~cwm_lsp.engine.decoder.Decoder`,
which keeps the engine's KV-cache bookkeeping right.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cwm_lsp.evaluate.direct import Completer, Completion


class NoCompletion(RuntimeError):
    """The loaded model offers no plain completion."""


def _as_completion(result: Any) -> Completion:
    if isinstance(result, Completion):
        return result
    if isinstance(result, str):
        return Completion(text=result, tokens=0)
    if isinstance(result, tuple) and len(result) == 2:
        return Completion(text=str(result[0]), tokens=int(result[1]))
    text = getattr(result, "text", None)
    if isinstance(text, str):
        tokens = getattr(result, "tokens", getattr(result, "tokens_generated", 0))
        return Completion(text=text, tokens=tokens if isinstance(tokens, int) else 0)
    raise NoCompletion(f"unexpected completion result {type(result).__name__}")


def _method_completer(method: Any) -> Completer:
    def complete(
        prompt: str, *, max_tokens: int, temperature: float, stop: Sequence[str], seed: int
    ) -> Completion:
        return _as_completion(
            method(
                prompt, max_tokens=max_tokens, temperature=temperature, stop=list(stop), seed=seed
            )
        )

    return complete


class EngineCompleter:
    """Completion on the model room's Engine; one Decoder kept across calls.

    Keeping one Decoder (one cache owner) lets consecutive prompts that share
    the few-shot prefix re-use it in the KV cache.
    """

    def __init__(self, engine: Any) -> None:
        from cwm_lsp.engine.decoder import Decoder

        self._engine = engine
        self._decoder_type = Decoder
        self._decoder: Any = None

    def __call__(
        self, prompt: str, *, max_tokens: int, temperature: float, stop: Sequence[str], seed: int
    ) -> Completion:
        import numpy as np

        if self._decoder is None:
            self._decoder = self._decoder_type(self._engine, temperature=temperature, seed=seed)
        dec = self._decoder
        dec.temperature = temperature
        dec.rng = np.random.default_rng(seed)
        dec.truncate(0)
        dec.push_text(prompt, special=True)
        generated = bytearray()
        text = ""
        count = 0
        for count in range(1, max_tokens + 1):  # noqa: B007 - count is the result
            token = dec.next().token
            if self._engine.is_eog(token):
                break
            generated += self._engine.piece(token)
            text = generated.decode("utf-8", errors="replace")
            if any(s in text for s in stop):
                break
        return Completion(text=text, tokens=count)


def completer_for(model: Any) -> Completer:
    """A Completer on ``model``; raises NoCompletion when the model offers none."""
    method = getattr(model, "complete", None)
    if callable(method):
        return _method_completer(method)
    engine = getattr(model, "engine", None)
    if engine is not None and hasattr(engine, "is_eog") and hasattr(engine, "piece"):
        return EngineCompleter(engine)
    raise NoCompletion(
        f"{type(model).__name__} has no complete(prompt, max_tokens=, temperature=, stop=, "
        "seed=) method and no engine; the direct baseline needs one"
    )
