"""Predictions: one model worker, a priority queue, cancellation, a cache."""

from cwm_lsp.predict.executor import ModelExecutor
from cwm_lsp.predict.keys import FillKey, PredictionKey
from cwm_lsp.predict.queue import JobContext, Priority
from cwm_lsp.predict.service import Fills, Prediction, PredictionService
from cwm_lsp.predict.status import ModelStatus
from cwm_lsp.predict.worker import ModelUnavailable, ModelWorker

__all__ = [
    "FillKey",
    "Fills",
    "JobContext",
    "ModelExecutor",
    "ModelStatus",
    "ModelUnavailable",
    "ModelWorker",
    "Prediction",
    "PredictionKey",
    "PredictionService",
    "Priority",
]
