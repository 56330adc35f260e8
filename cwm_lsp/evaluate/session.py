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
    def open(cls, config: ModelConfig) -> EvalSession:
        """Load the model ``config`` describes (its decoding switches included)."""
        try:
            from cwm_lsp.model import load_model
        except ImportError as exc:
            raise EvalSetupError(f"the model room's load_model is not available: {exc}") from None
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
