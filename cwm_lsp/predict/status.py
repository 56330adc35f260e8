"""The model's status as the server reports it (``cwm.modelStatus`` and ``cwm/status``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

State = Literal["loading", "ready", "busy", "error"]


@dataclass(frozen=True)
class ModelStatus:
    state: State = "loading"
    progress: float = 0.0
    message: str = ""
    model: str = ""
    format: str = ""
    tokens_per_second: float = 0.0
    #: model hosts restarted after one died (its process, not the server)
    restarts: int = 0
    #: the calibration file the model's confidences go through ("": raw probabilities)
    calibration: str = ""
    #: seconds until the next try to reach a model server that could not be reached (0: none)
    retry_in: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "progress": round(self.progress, 3),
            "message": self.message,
            "model": self.model,
            "format": self.format,
            "tokensPerSecond": round(self.tokens_per_second, 2),
            "restarts": self.restarts,
            "calibration": self.calibration,
            "retryIn": round(self.retry_in, 3),
        }
