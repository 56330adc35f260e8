"""The model room's public interface: what `predict/`, `lsp/`, `dap/` and the CLI may use.

Threading rule: a llama.cpp context is not thread-safe, so every call into a
:class:`WorldModel` and into its :class:`TraceSession` objects must happen on
one thread (the model worker, see ``cwm_lsp.predict``).  Long calls take a
``should_stop`` callable, checked between tokens, and end early when it
returns True.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from cwm_lsp.engine.protocol import ModelLoadError, ShouldStop
from cwm_lsp.formats.base import ModelFormat
from cwm_lsp.trace import Frame, Trace

__all__ = [
    "HoleFill",
    "HostedModel",
    "Imagined",
    "ModelConfig",
    "ModelDied",
    "ModelFormat",
    "ModelInfo",
    "ModelLoadError",
    "NextStates",
    "OnFrame",
    "Progress",
    "ShouldStop",
    "TraceSession",
    "WorldModel",
]

#: progress(fraction 0..1, message)
Progress = Callable[[float, str], None]
#: sees an imagined trace so far, after each new frame
OnFrame = Callable[[Trace], None]


@dataclass(frozen=True)
class ModelConfig:
    """How to load a model.

    ``path`` None means: the ``CWM_LSP_MODEL`` environment variable, else the
    embedded default model.  ``n_gpu_layers`` -1 means all layers when the
    llama.cpp build supports GPU offload (CUDA or Metal), none otherwise.
    ``n_threads`` 0 means one per physical core (single-token decode);
    ``n_threads_batch`` 0 means every logical CPU (batches: the prompt and the
    forced tokens of a frame).

    The decoding switches apply to the generic prompt format only (non-CWM
    models); turning one off is for experiments and comparisons:

    - ``value_grammar``: values are decoded under a grammar of Python reprs
      (off: any single line with balanced quotes and brackets).
    - ``line_flow``: only lines that can run next, and only locals the line
      can change, may be written; a loop's items and an exception that the
      line's arithmetic makes certain are read off the state.
    - ``return_locals``: the value of ``return name`` is the local's current
      value, not decoded.

    ``adapter`` is a GGUF LoRA that llama.cpp applies at run time: None means
    automatic (the adapter shipped with the embedded default model when the
    default model loads and one ships, none otherwise), ``""`` none, else
    the adapter's path (any GGUF LoRA for the model's architecture).
    """

    path: str | None = None
    n_ctx: int = 4096
    n_threads: int = 0
    n_threads_batch: int = 0
    n_gpu_layers: int = -1
    seed: int = 0
    value_grammar: bool = True
    line_flow: bool = True
    return_locals: bool = True
    adapter: str | None = None
    #: a server that hosts the model (llama-server; vLLM's shape in mind), as
    #: ``http(s)://host:port``: None = the ``CWM_LSP_ENDPOINT`` environment variable,
    #: ``""`` = none (the model runs here); the API key only from ``CWM_LSP_API_KEY``
    endpoint: str | None = None
    #: the model's name on a server that hosts several ("" = the server's own)
    endpoint_model: str = ""
    #: seconds: to connect to the endpoint, and to wait for each read of an answer
    connect_timeout: float = 5.0
    request_timeout: float = 120.0
    #: tries to reach the endpoint when loading (0.5 s before the second, doubling);
    #: the language server tries once per load and loads again by itself
    connect_attempts: int = 5
    #: seconds: the longest wait between the language server's loads of a model whose
    #: server cannot be reached (the first after 0.5 s, then doubling up to this)
    reconnect_max_delay: float = 30.0
    #: where the model runs: "inline" (this process; the CLI's default) or "process"
    #: (a model host child process, :mod:`cwm_lsp.host`: the server's and adapter's default)
    host: str = "inline"


class ModelDied(RuntimeError):
    """The process holding the model ended under a call (a native crash, a kill, out of memory).

    The message says which process and how it ended.  Sessions of that
    process are gone with it; a new model (a restarted host) starts afresh.
    """


@runtime_checkable
class HostedModel(Protocol):
    """A WorldModel held by another process, which may die under it.

    ``on_death`` (set by whoever restarts it) hears once, from any thread,
    the message a dying host leaves; ``alive`` says whether it still runs
    and ``death`` how it ended.
    """

    on_death: Callable[[str], None] | None

    @property
    def alive(self) -> bool: ...

    @property
    def death(self) -> str | None:
        """How its process ended (None while it runs)."""
        ...


@dataclass(frozen=True)
class ModelInfo:
    """What was (or would be) loaded, and from where."""

    path: str
    #: where the path came from: "--model", "settings", "CWM_LSP_MODEL" or "default"
    origin: str
    format: ModelFormat
    size_bytes: int
    name: str = ""
    n_ctx: int = 0
    n_gpu_layers: int = 0
    #: the GGUF LoRA applied at run time ("" none) and where it came from
    #: ("--adapter", "settings" or "default")
    adapter: str = ""
    adapter_origin: str = ""
    #: the calibration file whose confidence predictions carry ("": raw model probabilities)
    calibration: str = ""


@dataclass
class Imagined:
    """A whole imagined execution.

    ``trace.args`` holds the inputs used; ``invented_args`` says whether the
    model made them up.  ``trace.reason`` is ``frame cap`` when the run reached
    ``max_frames`` (no evidence it never ends), ``cycle`` when it came back to a
    line with the same state (:mod:`cwm_lsp.model.termination`), ``error`` when
    the model failed.  Frames carry per-value confidence.
    """

    trace: Trace
    invented_args: bool = False
    #: where each input came from: parameter (or receiver) -> "given", "default", "invented"
    input_origins: dict[str, str] = field(default_factory=dict)
    tokens_generated: int = 0
    tokens_evaluated: int = 0
    seconds: float = 0.0
    cancelled: bool = False


@dataclass
class NextStates:
    """The model's guess at ``real[k]`` from ``real[:k]``, for k = 1 .. len(real) - 1.

    ``predicted[k - 1]`` is None where the model gave no frame (it ended the
    trace, or its frame did not parse).  ``error`` says why the run stopped
    early (the context filled up, no inputs bound); then ``predicted`` is shorter.
    """

    predicted: list[Frame | None] = field(default_factory=list)
    error: str = ""
    seconds: float = 0.0
    tokens_evaluated: int = 0


@dataclass
class HoleFill:
    """One candidate for a ``??`` hole: the text that replaces it."""

    text: str
    confidence: float = 0.0
    extra: dict[str, str] = field(default_factory=dict)


class TraceSession(Protocol):
    """A stepping session through an imagined execution.

    ``frames`` are resolved (no ``".."``); ``index`` is the current frame.
    Moving forward past the last generated frame asks the model for more;
    ``back`` only moves ``index`` and rewinds the model's token history, and
    stepping forward again after ``back`` regenerates from there.
    ``tokens_evaluated`` counts every token the model evaluated for this
    session (prompt and generated), so callers can check KV-cache reuse.
    """

    frames: list[Frame]
    index: int
    args: str
    done: bool
    tokens_evaluated: int

    @property
    def current(self) -> Frame: ...
    @property
    def trace(self) -> Trace: ...
    def reset(self, args: str | None = None) -> Frame: ...
    def step(self) -> Frame: ...
    def next(self) -> Frame: ...
    def out(self) -> Frame: ...
    def back(self) -> Frame: ...
    def run_to(self, line: int, max_frames: int | None = None) -> Frame: ...
    def edit(self, name: str, value: str) -> Frame: ...
    def run(self, max_frames: int | None = None) -> Trace: ...
    def stack(self) -> list[tuple[str, int]]: ...
    def close(self) -> None: ...


class WorldModel(Protocol):
    info: ModelInfo

    def session(
        self,
        source: str,
        function: str,
        *,
        args: str | None = None,
        filename: str = "<source>",
        temperature: float = 0.0,
        max_frames: int = 200,
    ) -> TraceSession: ...

    def imagine(
        self,
        source: str,
        function: str,
        args: str | None = None,
        *,
        filename: str = "<source>",
        temperature: float = 0.0,
        max_frames: int = 200,
        should_stop: ShouldStop | None = None,
        on_frame: OnFrame | None = None,
    ) -> Imagined: ...

    def next_states(
        self,
        source: str,
        function: str,
        args: str,
        real: Sequence[Frame],
        *,
        should_stop: ShouldStop | None = None,
    ) -> NextStates:
        """Teacher forcing: the model's next frame from each prefix of the real trace."""
        ...

    def fill_hole(
        self,
        source: str,
        start: int,
        end: int,
        *,
        n: int = 3,
        should_stop: ShouldStop | None = None,
    ) -> list[HoleFill]:
        """Candidates for the hole ``source[start:end]`` (a ``??``), best first, distinct."""
        ...

    def close(self) -> None: ...
