"""Loading a GGUF through llama-cpp-python, once, with clear errors."""

from __future__ import annotations

import contextlib
import logging
import os
import time

from cwm_lsp.model.api import ModelConfig, ModelLoadError, Progress
from cwm_lsp.model.engine import Engine
from cwm_lsp.model.native_format import NativeTokens
from cwm_lsp.model.resolve import resolve_file
from cwm_lsp.model.world import LlamaWorldModel

log = logging.getLogger(__name__)


def gpu_layers(requested: int) -> int:
    """-1 (all) only when this llama.cpp build can offload to a GPU (CUDA, Metal)."""
    if requested >= 0:
        return requested
    import llama_cpp

    return -1 if bool(llama_cpp.llama_supports_gpu_offload()) else 0


def _logical_cpus() -> int:
    """The CPUs this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def thread_count(requested: int) -> int:
    """0 means one thread per physical core (approximated as half the logical CPUs).

    Never every CPU: llama.cpp's threads spin-wait between operations, and
    when they hold every core the editor's own threads (and anything else)
    preempt them, so single decodes stall for seconds.  Measured on 2 cores
    (scripts/bench_model.py, 50 steps): with 2 threads 9 of 49 steps stalled
    (88 of 140 s); with 1 thread none, and the whole run took 80 s.
    """
    return requested if requested > 0 else max(1, _logical_cpus() // 2)


def batch_thread_count(requested: int) -> int:
    """0 means every logical CPU, for batches (a prompt, a frame's forced tokens).

    A batch has enough work per operation that more threads pay off without
    the stalls single-token decode suffers.  Measured on 2 cores
    (scripts/bench_model.py, 1 decode thread, 2 runs of 30 steps): batch
    threads 2 against 1 cut a step from 0.85 s to 0.60 s and the prompt from
    13.8 s to 9.0 s, with no stalled step (the slowest 0.91 s).
    """
    return requested if requested > 0 else _logical_cpus()


def load_model(
    config: ModelConfig,
    progress: Progress | None = None,
    *,
    origin_hint: str | None = None,
    constrained: bool = True,
) -> LlamaWorldModel:
    """Load the model ``config`` names; raises ModelLoadError naming the path and the cause."""

    def report(fraction: float, message: str) -> None:
        if progress is not None:
            progress(fraction, message)

    report(0.0, "locating the model")
    info, header = resolve_file(config, origin_hint)
    if not header.architecture:
        raise ModelLoadError(info.path, "the GGUF metadata names no architecture")
    report(0.1, f"loading {os.path.basename(info.path)}")
    try:
        import llama_cpp
    except ImportError as exc:
        raise ModelLoadError(info.path, f"llama-cpp-python is not installed ({exc})") from None
    n_gpu = gpu_layers(config.n_gpu_layers)
    started = time.perf_counter()
    try:
        with _quiet_llama():
            llama = llama_cpp.Llama(
                model_path=info.path,
                n_ctx=config.n_ctx,
                n_threads=thread_count(config.n_threads),
                n_threads_batch=batch_thread_count(config.n_threads_batch),
                n_gpu_layers=n_gpu,
                seed=config.seed,
                n_batch=512,
                logits_all=False,
                verbose=False,
            )
    except (ValueError, RuntimeError, OSError) as exc:
        raise ModelLoadError(
            info.path, f"llama.cpp could not load it ({header.architecture} architecture): {exc}"
        ) from None
    log.info("loaded %s in %.1f s", info.path, time.perf_counter() - started)
    engine = Engine(llama)
    if info.format == "cwm":
        NativeTokens(engine)  # raises ModelLoadError when a trace token is not a single token
    else:
        report(0.8, "indexing the vocabulary")
        _ = engine.pieces  # the constrained decoder looks tokens up by their bytes
    report(1.0, "ready")
    from dataclasses import replace

    model = LlamaWorldModel(engine, replace(info, n_gpu_layers=n_gpu), constrained=constrained)
    model.literal_values = config.value_grammar
    model.line_flow = config.line_flow
    model.return_locals = config.return_locals
    return model


@contextlib.contextmanager
def _quiet_llama():  # type: ignore[no-untyped-def]
    """llama.cpp writes its load log to stderr (fd 2); keep it out unless debugging."""
    if log.isEnabledFor(logging.DEBUG):
        yield
        return
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            try:
                yield
            finally:
                os.dup2(saved, 2)
    finally:
        os.close(saved)
