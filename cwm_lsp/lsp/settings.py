"""Typed server settings (section ``cwm``), from initializationOptions and
``workspace/didChangeConfiguration`` (see docs/CONTRACTS.md)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cwm_lsp.host import HOST_MODES, host_mode
from cwm_lsp.model.api import ModelConfig

log = logging.getLogger(__name__)

MAX_FRAMES_LIMIT = 10_000


@dataclass(frozen=True)
class ModelSettings:
    path: str = ""
    gpu_layers: int = -1
    context_size: int = 4096
    threads: int = 0
    #: threads for batches (the prompt, forced tokens); 0: every logical CPU
    batch_threads: int = 0
    #: generic (non-CWM) models only: decode values under a grammar of Python reprs
    value_grammar: bool = True
    #: generic models only: only lines that can run next, only locals the line can change
    line_flow: bool = True
    #: generic models only: ``return name`` returns the local's current value
    return_from_locals: bool = True
    #: a GGUF LoRA path; "" = none of your own (the default model's shipped one, if
    #: any); "none" = no adapter at all
    adapter: str = ""
    #: where the model runs: "process" (a model host child process), "inline" (in the
    #: server, for comparison); "" = $CWM_LSP_MODEL_HOST, else "process"
    host: str = ""
    #: a server that hosts the model (llama-server), ``http(s)://host:port``; "" =
    #: $CWM_LSP_ENDPOINT, else none (the model runs here); the key only from $CWM_LSP_API_KEY
    endpoint: str = ""
    #: the model's name on a server that hosts several ("" = the server's own)
    endpoint_model: str = ""
    #: seconds to connect to the endpoint, and to wait for each read of an answer
    connect_timeout: float = 5.0
    request_timeout: float = 120.0
    #: seconds: the longest wait between tries to reach an endpoint that is not up
    #: (0.5 s, then doubling up to this)
    reconnect_max_delay: float = 30.0


#: values whose calibrated confidence is below this show as ``?``: the lowest threshold at
#: which the values shown were at least 90 % right on the 200 dev rows (90.3 % right, 42.9 %
#: of the values shown: the risk–coverage curve in docs/eval/next-state/summary.md); raw
#: confidence never hides a value
DEFAULT_MIN_CONFIDENCE = 0.3


@dataclass(frozen=True)
class PredictionSettings:
    temperature: float = 0.0
    max_frames: int = 200
    #: calibrated confidence under which a hint shows ``?`` (hover keeps the guess)
    min_confidence: float = DEFAULT_MIN_CONFIDENCE


@dataclass(frozen=True)
class FeatureSettings:
    inlay_hints: bool = True
    hover: bool = True
    code_lens: bool = True
    diagnostics: bool = True
    code_actions: bool = True


@dataclass(frozen=True)
class Settings:
    model: ModelSettings = field(default_factory=ModelSettings)
    prediction: PredictionSettings = field(default_factory=PredictionSettings)
    features: FeatureSettings = field(default_factory=FeatureSettings)

    def model_config(self) -> ModelConfig:
        return ModelConfig(
            path=self.model.path or None,
            n_ctx=self.model.context_size,
            n_threads=self.model.threads,
            n_threads_batch=self.model.batch_threads,
            n_gpu_layers=self.model.gpu_layers,
            value_grammar=self.model.value_grammar,
            line_flow=self.model.line_flow,
            return_locals=self.model.return_from_locals,
            adapter=adapter_config(self.model.adapter),
            host=host_mode(self.model.host),
            endpoint=self.model.endpoint or None,
            endpoint_model=self.model.endpoint_model,
            connect_timeout=self.model.connect_timeout,
            request_timeout=self.model.request_timeout,
            reconnect_max_delay=self.model.reconnect_max_delay,
        )


def adapter_config(setting: str) -> str | None:
    """``model.adapter`` as :attr:`ModelConfig.adapter`: "" automatic (None), "none" none ("")."""
    value = setting.strip()
    if not value:
        return None
    return "" if value.lower() == "none" else value


def _section(data: Any, name: str) -> Mapping[str, Any]:
    value = data.get(name) if isinstance(data, Mapping) else None
    return value if isinstance(value, Mapping) else {}


def _int(data: Mapping[str, Any], key: str, default: int, low: int, high: int) -> int:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        if key in data:
            log.warning("setting %s: expected a number, got %r", key, value)
        return default
    return max(low, min(high, int(value)))


def _float(data: Mapping[str, Any], key: str, default: float, low: float, high: float) -> float:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        if key in data:
            log.warning("setting %s: expected a number, got %r", key, value)
        return default
    return max(low, min(high, float(value)))


def _bool(data: Mapping[str, Any], key: str, default: bool) -> bool:
    value = data.get(key, default)
    return value if isinstance(value, bool) else default


def unwrap(settings: Any) -> Mapping[str, Any] | None:
    """Accept ``{"cwm": {...}}`` or the section itself; None when there is nothing."""
    if not isinstance(settings, Mapping):
        return None
    inner = settings.get("cwm")
    if isinstance(inner, Mapping):
        return inner
    if any(k in settings for k in ("model", "prediction", "features")):
        return settings
    return None


def parse_settings(data: Any, base: Settings | None = None) -> Settings:
    """Settings from a JSON object; unknown or ill-typed values keep ``base``'s."""
    base = base or Settings()
    section = unwrap(data) or {}
    m, p, f = (
        _section(section, "model"),
        _section(section, "prediction"),
        _section(section, "features"),
    )
    path = m.get("path", base.model.path)
    adapter = m.get("adapter", base.model.adapter)
    host = m.get("host", base.model.host)
    endpoint = m.get("endpoint", base.model.endpoint)
    endpoint_model = m.get("endpointModel", base.model.endpoint_model)
    return Settings(
        model=ModelSettings(
            path=path if isinstance(path, str) else base.model.path,
            gpu_layers=_int(m, "gpuLayers", base.model.gpu_layers, -1, 10_000),
            context_size=_int(m, "contextSize", base.model.context_size, 256, 1_048_576),
            threads=_int(m, "threads", base.model.threads, 0, 1024),
            batch_threads=_int(m, "batchThreads", base.model.batch_threads, 0, 1024),
            value_grammar=_bool(m, "valueGrammar", base.model.value_grammar),
            line_flow=_bool(m, "lineFlow", base.model.line_flow),
            return_from_locals=_bool(m, "returnFromLocals", base.model.return_from_locals),
            adapter=adapter if isinstance(adapter, str) else base.model.adapter,
            host=host if host in ("", *HOST_MODES) else base.model.host,
            endpoint=endpoint.strip() if isinstance(endpoint, str) else base.model.endpoint,
            endpoint_model=(
                endpoint_model if isinstance(endpoint_model, str) else base.model.endpoint_model
            ),
            connect_timeout=_float(m, "connectTimeout", base.model.connect_timeout, 0.1, 600.0),
            request_timeout=_float(m, "requestTimeout", base.model.request_timeout, 1.0, 3600.0),
            reconnect_max_delay=_float(
                m, "reconnectMaxDelay", base.model.reconnect_max_delay, 0.5, 3600.0
            ),
        ),
        prediction=PredictionSettings(
            temperature=_float(p, "temperature", base.prediction.temperature, 0.0, 2.0),
            max_frames=_int(p, "maxFrames", base.prediction.max_frames, 1, MAX_FRAMES_LIMIT),
            min_confidence=_float(p, "minConfidence", base.prediction.min_confidence, 0.0, 1.0),
        ),
        features=FeatureSettings(
            inlay_hints=_bool(f, "inlayHints", base.features.inlay_hints),
            hover=_bool(f, "hover", base.features.hover),
            code_lens=_bool(f, "codeLens", base.features.code_lens),
            diagnostics=_bool(f, "diagnostics", base.features.diagnostics),
            code_actions=_bool(f, "codeActions", base.features.code_actions),
        ),
    )
