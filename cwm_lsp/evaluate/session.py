"""The model an evaluation runs on: loaded once, used by both paths."""

from __future__ import annotations

import time
from dataclasses import dataclass

from cwm_lsp.evaluate.completion import NoCompletion, completer_for
from cwm_lsp.evaluate.direct import Completer
from cwm_lsp.model.api import ModelConfig, ModelLoadError, WorldModel


class EvalSetupError(RuntimeError):
    """The model could not be loaded for an evaluation."""


@dataclass
class EvalSession:
    model: WorldModel
    #: plain completion for the direct baseline, None when the model has none
    complete: Completer | None
    no_complete_reason: str
    model_name: str
    load_seconds: float

    @classmethod
    def open(
        cls,
        *,
        model_path: str | None = None,
        n_ctx: int = 4096,
        n_threads: int = 0,
        n_threads_batch: int = 0,
        n_gpu_layers: int = -1,
        value_grammar: bool = True,
        line_flow: bool = True,
        return_locals: bool = True,
    ) -> EvalSession:
        """Load the model; the decoding switches are :class:`ModelConfig`'s."""
        try:
            from cwm_lsp.model import load_model
        except ImportError as exc:
            raise EvalSetupError(f"the model room's load_model is not available: {exc}") from None
        config = ModelConfig(
            path=model_path,
            n_ctx=n_ctx,
            n_threads=n_threads,
            n_threads_batch=n_threads_batch,
            n_gpu_layers=n_gpu_layers,
            value_grammar=value_grammar,
            line_flow=line_flow,
            return_locals=return_locals,
        )
        started = time.perf_counter()
        try:
            model = load_model(config)
        except ModelLoadError as exc:
            raise EvalSetupError(str(exc)) from None
        seconds = time.perf_counter() - started
        try:
            complete: Completer | None = completer_for(model)
            reason = ""
        except NoCompletion as exc:
            complete, reason = None, str(exc)
        info = model.info
        name = f"{info.name or info.path} ({info.format}, {info.origin})"
        return cls(model, complete, reason, name, seconds)

    def close(self) -> None:
        self.model.close()
