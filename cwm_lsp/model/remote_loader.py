"""A world model whose weights a server hosts: which endpoint, what it serves, connecting.

The endpoint comes from ``ModelConfig.endpoint`` (``--endpoint``, the
``model.endpoint`` setting), else the ``CWM_LSP_ENDPOINT`` environment
variable; the API key only from ``CWM_LSP_API_KEY``.  The server's kind
(llama-server or vLLM) is told from its answers
(:func:`~cwm_lsp.engine.remote_vllm.detect_api`).  The format is native CWM
when the server's vocabulary holds the trace tokens, else generic.  A
llama-server that applies an adapter trained by ``cwm-lsp model train``
(``--lora default-lora.gguf``) says so by the adapter's task name
(``cwm-lsp:generic:header``), and the prompt is the one that adapter learnt.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from cwm_lsp.engine.remote import RemoteEngine
from cwm_lsp.engine.remote_api import ServerAdapter, ServerProps
from cwm_lsp.engine.remote_http import HttpClient, RemoteError, Retry, Timeouts
from cwm_lsp.engine.remote_vllm import detect_api
from cwm_lsp.formats.generic import fewshot_of_task_name
from cwm_lsp.formats.native import NativeTokens
from cwm_lsp.model.api import ModelConfig, ModelFormat, ModelInfo, ModelLoadError, Progress
from cwm_lsp.model.world import LlamaWorldModel

ENDPOINT_ENV = "CWM_LSP_ENDPOINT"
API_KEY_ENV = "CWM_LSP_API_KEY"


def endpoint_of(config: ModelConfig, origin_hint: str | None = None) -> tuple[str, str] | None:
    """(URL, where it came from: "--endpoint", "settings" or CWM_LSP_ENDPOINT), or None."""
    if config.endpoint:
        return config.endpoint.rstrip("/"), origin_hint or "settings"
    if config.endpoint is None:
        url = os.environ.get(ENDPOINT_ENV, "").strip()
        if url:
            return url.rstrip("/"), ENDPOINT_ENV
    return None


@dataclass(frozen=True)
class ServerReport:
    """What ``cwm-lsp model info --endpoint`` says."""

    info: ModelInfo
    props: ServerProps
    #: a repeated prompt's second answer took its tokens from the server's cache
    prefix_cache: bool
    cached_tokens: int
    prompt_tokens: int
    #: False when the server does not report its cache (vLLM without
    #: --enable-prompt-tokens-details)
    cache_known: bool = True
    #: the LoRA adapters the server loaded and the prompt each one gets, in words
    adapters: str = "none"


def connect(config: ModelConfig, url: str) -> RemoteEngine:
    """A remote engine on ``url``; raises ModelLoadError saying why the server cannot be used."""
    try:
        client = HttpClient(
            url,
            api_key=os.environ.get(API_KEY_ENV) or None,
            timeouts=Timeouts(connect=config.connect_timeout, read=config.request_timeout),
            # reaching it at all: as many tries as the caller wants (the language
            # server tries once and loads again later by itself)
            retry=Retry(attempts=max(1, config.connect_attempts)),
        )
    except ValueError as exc:
        raise ModelLoadError(url, str(exc)) from None
    try:
        # llama-server answers /props; vLLM lists its models as owned_by "vllm"
        api = detect_api(client, model=config.endpoint_model or None)
        props = api.props()
        client.retry = Retry()
        n_vocab = api.n_vocab()
    except RemoteError as exc:
        raise ModelLoadError(url, str(exc), transient=exc.transient) from None
    if props.n_ctx <= 0:
        raise ModelLoadError(url, "the server does not say its context size (/props)")
    return RemoteEngine(api, n_ctx=props.n_ctx, n_vocab=n_vocab, seed=config.seed, props=props)


def remote_format(engine: RemoteEngine) -> ModelFormat:
    """Native CWM when every trace token is one token of the server's vocabulary."""
    try:
        NativeTokens(engine)
    except ModelLoadError:
        return "generic"
    except RemoteError as exc:
        raise ModelLoadError(engine.name, str(exc), transient=exc.transient) from None
    return "cwm"


def trained_adapter(props: ServerProps) -> tuple[ServerAdapter, bool] | None:
    """(the adapter, whether its prompt keeps the worked examples) of the first adapter
    the server applies that ``cwm-lsp model train`` made, or None."""
    for adapter in props.applied_adapters:
        fewshot = fewshot_of_task_name(adapter.task_name)
        if fewshot is not None:
            return adapter, fewshot
    return None


def describe_adapters(props: ServerProps) -> str:
    """The LoRA adapters the server loaded, whether it applies them, and the prompt they get."""
    if not props.adapters:
        return "none"
    parts = []
    for adapter in props.adapters:
        fewshot = fewshot_of_task_name(adapter.task_name)
        if not adapter.scale:
            parts.append(f"{adapter.path} (loaded, not applied)")
            continue
        if fewshot is None:
            prompt = "not trained by cwm-lsp: the few-shot prompt"
        else:
            kind = "few-shot" if fewshot else "header-only"
            prompt = f"trained by cwm-lsp, the {kind} prompt"
        parts.append(f"{adapter.path} (scale {adapter.scale:g}; {prompt})")
    return "; ".join(parts)


def _info(engine: RemoteEngine, origin: str, fmt: ModelFormat, props: ServerProps) -> ModelInfo:
    applied = props.applied_adapters
    return ModelInfo(
        path=engine.name,
        origin=origin,
        format=fmt,
        size_bytes=0,
        name=os.path.basename(props.model) or props.model or engine.name,
        n_ctx=engine.n_ctx,
        adapter=", ".join(a.path for a in applied),
        adapter_origin="the server" if applied else "",
    )


def load_remote_model(
    config: ModelConfig,
    progress: Progress | None = None,
    *,
    origin_hint: str | None = None,
    constrained: bool = True,
) -> LlamaWorldModel:
    """The world model on the server ``config`` names (ModelLoadError when none can be used)."""
    found = endpoint_of(config, origin_hint)
    if found is None:
        raise ModelLoadError("endpoint", "no endpoint is set")
    url, origin = found
    if progress is not None:
        progress(0.0, f"connecting to {url}")
    engine = connect(config, url)
    try:
        fmt = remote_format(engine)
    except ModelLoadError:
        engine.close()
        raise
    assert engine.props is not None
    model = LlamaWorldModel(
        engine, _info(engine, origin, fmt, engine.props), constrained=constrained
    )
    model.literal_values = config.value_grammar
    model.line_flow = config.line_flow
    model.return_locals = config.return_locals
    trained = trained_adapter(engine.props)
    if trained is not None and fmt == "generic":
        model.fewshot = trained[1]
    if progress is not None:
        progress(1.0, "ready")
    return model


def describe_server(config: ModelConfig, origin_hint: str | None = None) -> ServerReport:
    """What the endpoint serves, its format, and whether its prefix cache answers.

    The cache is checked by sending one short prompt twice: the second
    answer's ``cache_n`` (tokens taken from the cache) says it.
    """
    found = endpoint_of(config, origin_hint)
    if found is None:
        raise ModelLoadError("endpoint", "no endpoint is set")
    url, origin = found
    engine = connect(config, url)
    try:
        fmt = remote_format(engine)
        try:
            prompt = engine.tokenize("def add(a, b):\n    return a + b\n" * 4)
            engine.api.complete(prompt, n_predict=1, temperature=0.0, seed=0)
            again = engine.api.complete(prompt, n_predict=1, temperature=0.0, seed=0)
        except RemoteError as exc:
            raise ModelLoadError(url, str(exc)) from None
        props = engine.props
        assert props is not None
        return ServerReport(
            info=_info(engine, origin, fmt, props),
            props=props,
            prefix_cache=again.prompt_cached > 0 and again.prompt_evaluated < len(prompt),
            cached_tokens=again.prompt_cached,
            prompt_tokens=len(prompt),
            cache_known=again.cache_known,
            adapters=describe_adapters(props),
        )
    finally:
        engine.close()
