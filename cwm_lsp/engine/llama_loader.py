"""Opening a GGUF in llama.cpp: thread and offload defaults, its load log kept quiet."""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Iterator
from typing import Any

from cwm_lsp.engine.llama import LlamaEngine
from cwm_lsp.engine.protocol import ModelLoadError

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


def open_llama(
    path: str,
    *,
    architecture: str,
    n_ctx: int,
    n_threads: int,
    n_threads_batch: int,
    n_gpu_layers: int,
    seed: int,
    lora_path: str | None = None,
    lora_scale: float = 1.0,
) -> LlamaEngine:
    """Load ``path`` into a llama.cpp context; ModelLoadError naming the path and the cause.

    ``lora_path``: a GGUF LoRA adapter applied at run time with ``lora_scale``
    (llama.cpp then reads the model into memory instead of mapping it).
    """
    try:
        import llama_cpp
    except ImportError as exc:
        raise ModelLoadError(path, f"llama-cpp-python is not installed ({exc})") from None
    started = time.perf_counter()
    lora: dict[str, Any] = {}
    if lora_path:
        if not os.path.isfile(lora_path):
            raise ModelLoadError(path, f"adapter {lora_path}: file not found")
        lora = {"lora_path": lora_path, "lora_scale": lora_scale}
    try:
        with _quiet_llama():
            llama = llama_cpp.Llama(
                model_path=path,
                n_ctx=n_ctx,
                n_threads=thread_count(n_threads),
                n_threads_batch=batch_thread_count(n_threads_batch),
                n_gpu_layers=n_gpu_layers,
                seed=seed,
                n_batch=512,
                logits_all=False,
                verbose=False,
                **lora,
            )
    except (ValueError, RuntimeError, OSError) as exc:
        what = f" with the adapter {lora_path}" if lora_path else ""
        raise ModelLoadError(
            path, f"llama.cpp could not load it{what} ({architecture} architecture): {exc}"
        ) from None
    log.info("loaded %s in %.1f s", path, time.perf_counter() - started)
    return LlamaEngine(llama)


def open_vocabulary(path: str) -> LlamaEngine:
    """``path``'s vocabulary alone (no weights): tokenize and detokenize exactly as inference does.

    The engine it returns cannot evaluate; training (:mod:`cwm_lsp.train`) uses it
    to turn prompts and frames into the token ids llama.cpp would push.
    """
    try:
        import llama_cpp
    except ImportError as exc:
        raise ModelLoadError(path, f"llama-cpp-python is not installed ({exc})") from None
    try:
        with _quiet_llama():
            llama = llama_cpp.Llama(model_path=path, vocab_only=True, n_ctx=64, verbose=False)
    except (ValueError, RuntimeError, OSError) as exc:
        raise ModelLoadError(path, f"llama.cpp could not read its vocabulary: {exc}") from None
    return LlamaEngine(llama)


@contextlib.contextmanager
def _quiet_llama() -> Iterator[None]:
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
