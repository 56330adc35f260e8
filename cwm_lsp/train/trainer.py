"""The training loop: AdamW on the LoRA parameters, seeded, time-boxed, checkpointed, resumable.

A step is ``batch`` examples (gradients accumulated, one forward each, no
padding); the loss is the mean cross-entropy of the tokens the model
generates at inference (:func:`cwm_lsp.train.base.generated_loss`).  The
learning rate warms up linearly for ``warmup`` steps, then follows a cosine
down to a tenth at ``steps``; it is a function of the step alone, so a
resumed run continues the same schedule.  Every ``checkpoint_every`` steps,
at the end, when the time budget runs out and on Ctrl-C the run saves
``<out>/checkpoint.pt``; at the end it writes ``<out>/adapter.gguf`` and
``<out>/train.json`` (settings, data, loss history).
"""

from __future__ import annotations

import json
import logging
import math
import os
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, TextIO

from cwm_lsp.train.base import (
    TrainSetupError,
    full_loss,
    generated_loss,
    load_base,
    require_torch,
    resolve_device,
)
from cwm_lsp.train.checkpoint import Checkpoint, checkpoint_path, load_checkpoint, save_checkpoint
from cwm_lsp.train.dataset import Dataset, load_rows, make_dataset
from cwm_lsp.train.progress import ProgressLine

log = logging.getLogger(__name__)

ADAPTER_NAME = "adapter.gguf"
SUMMARY_NAME = "train.json"
#: what ``--resume`` may change; every other setting is the checkpoint's
RESUMABLE = (
    "steps",
    "budget_minutes",
    "stop_at",
    "checkpoint_every",
    "export_dtype",
    "threads",
    "device",
)


@dataclass(frozen=True)
class TrainOptions:
    corpus: str
    out: str
    #: the base GGUF (the command line resolves the embedded default model)
    model: str = ""
    steps: int = 1000
    #: wall-clock minutes for this invocation's steps (0: no limit)
    budget_minutes: float = 0.0
    #: stop this invocation after this step (0: at ``steps``); ``resume`` goes on
    stop_at: int = 0
    rank: int = 16
    #: 0: twice the rank
    alpha: float = 0.0
    layers: str = "all"
    targets: str = "all"
    lr: float = 2e-4
    seed: int = 0
    batch: int = 4
    warmup: int = 20
    checkpoint_every: int = 50
    #: the prompt opens with the worked examples (inference follows the adapter's choice)
    fewshot: bool = False
    max_tokens: int = 2048
    #: held-out examples (-1: 2 % of the corpus, at most 64)
    holdout: int = -1
    threads: int = 0
    #: torch device: cpu, cuda, cuda:N, mps or auto (a run may resume on another)
    device: str = "cpu"
    export_dtype: str = "f16"
    #: "generated" (inference's tokens) or "all" (every token; for comparison only)
    loss: str = "generated"
    grad_clip: float = 1.0
    resume: bool = False
    #: on ``resume``, which of :data:`RESUMABLE` this run sets (None: all of them; the
    #: command line passes the flags it was given, so the others stay the checkpoint's)
    overrides: frozenset[str] | None = None


@dataclass
class TrainResult:
    step: int
    tokens: int
    elapsed: float
    stopped_by: str
    checkpoint: Path
    adapter: Path | None
    history: list[dict[str, float]] = field(default_factory=list)


def learning_rate(options: TrainOptions, step: int) -> float:
    warm = min(1.0, (step + 1) / max(1, options.warmup))
    progress = min(1.0, step / max(1, options.steps))
    return options.lr * warm * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))


def _resolved(options: TrainOptions) -> TrainOptions:
    """The run's settings: the checkpoint's when resuming (but for :data:`RESUMABLE`)."""
    out = Path(options.out)
    exists = checkpoint_path(out).is_file()
    if exists and not options.resume:
        raise TrainSetupError(f"{out} holds a run already: pass --resume, or another --out")
    if not options.resume or not exists:
        return replace(options, overrides=None)
    saved = load_checkpoint(out).options
    saved.pop("overrides", None)
    given = RESUMABLE if options.overrides is None else options.overrides
    changes = {k: getattr(options, k) for k in RESUMABLE if k in given}
    return replace(TrainOptions(**{**saved, "resume": True}), **changes, overrides=None)


def train(options: TrainOptions, *, stream: TextIO | None = None) -> TrainResult:
    """Run (or resume) training as ``options`` say; see the module docstring."""
    require_torch()
    import torch

    from cwm_lsp.engine.gguf_header import read_header
    from cwm_lsp.engine.llama_loader import open_vocabulary
    from cwm_lsp.train import lora
    from cwm_lsp.train.export import export_checkpoint

    options = _resolved(options)
    out = Path(options.out)
    out.mkdir(parents=True, exist_ok=True)
    if not options.model:
        raise TrainSetupError("no base model given")
    model_path = options.model
    device = resolve_device(options.device)
    progress = ProgressLine(options.steps, stream=stream)
    torch.manual_seed(options.seed)
    torch.set_num_threads(options.threads or (os.cpu_count() or 1))

    vocab = open_vocabulary(model_path)
    holdout = None if options.holdout < 0 else options.holdout
    data = make_dataset(
        load_rows(options.corpus),
        vocab,
        seed=options.seed,
        fewshot=options.fewshot,
        max_tokens=options.max_tokens,
        holdout=holdout,
    )
    progress.note(f"data: {data.summary()}")
    if not data.train:
        raise TrainSetupError(f"{options.corpus} gives no training example")
    architecture = read_header(Path(model_path)).architecture
    model = load_base(model_path, device=device)
    n_layers = len(lora.decoder_layers(model))
    spec = lora.LoraSpec(
        rank=options.rank,
        alpha=options.alpha or 2.0 * options.rank,
        layers=lora.parse_layers(options.layers, n_layers),
        targets=lora.parse_targets(options.targets),
    )
    attached = lora.attach(model, spec, seed=options.seed)
    params = lora.parameters(attached)
    optimizer = torch.optim.AdamW(params, lr=options.lr, weight_decay=0.0)
    progress.note(
        f"adapter: rank {spec.rank}, alpha {spec.alpha:g}, {len(spec.layers)} of {n_layers} "
        f"layers, {len(spec.targets)} projections each: {lora.count(attached.values()):,} "
        f"trainable parameters, on {device}"
    )

    saved = load_checkpoint(out) if checkpoint_path(out).is_file() else None
    checkpoint = Checkpoint(
        options=asdict(options),
        spec=spec,
        architecture=architecture,
        step=0,
        elapsed=0.0,
        tokens=0,
        lora={},
        optimizer={},
    )
    if saved is not None:
        if saved.spec != spec:
            raise TrainSetupError(f"{out}: the checkpoint's adapter is {saved.spec}, not {spec}")
        lora.load_state(attached, saved.lora)
        optimizer.load_state_dict(saved.optimizer)
        checkpoint = replace(saved, options=asdict(options))
        progress.note(f"resuming at step {saved.step} ({saved.tokens} tokens seen)")

    def save() -> None:
        checkpoint.lora = lora.state(attached)
        checkpoint.optimizer = optimizer.state_dict()
        save_checkpoint(out, checkpoint)

    def step_loss(example_ids: list[int], generated: list[int]) -> Any:
        if options.loss == "all":
            return full_loss(model, example_ids)
        return generated_loss(model, example_ids, generated)

    started = time.perf_counter()
    budget = options.budget_minutes * 60.0
    losses: list[float] = []
    run_tokens = 0
    stopped_by = "steps"
    first_step = checkpoint.step
    elapsed_before = checkpoint.elapsed
    try:
        while checkpoint.step < options.steps:
            if options.stop_at and checkpoint.step >= options.stop_at:
                stopped_by = "stop-at"
                break
            spent = time.perf_counter() - started
            done = checkpoint.step - first_step
            if budget and done and spent + spent / done > budget:
                stopped_by = "budget"
                break
            for group in optimizer.param_groups:
                group["lr"] = learning_rate(options, checkpoint.step)
            total = 0.0
            step_tokens = 0
            for j in range(options.batch):
                example = data.order(options.seed, checkpoint.step * options.batch + j)
                loss = step_loss(example.ids, example.generated) / options.batch
                loss.backward()
                total += float(loss.detach())
                step_tokens += len(example.ids)
            torch.nn.utils.clip_grad_norm_(params, options.grad_clip)
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            checkpoint.step += 1
            run_tokens += step_tokens
            checkpoint.tokens += step_tokens
            losses.append(total)
            spent = time.perf_counter() - started
            checkpoint.elapsed = elapsed_before + spent
            per_step = spent / (checkpoint.step - first_step)
            eta = (options.steps - checkpoint.step) * per_step
            left = budget - spent if budget else None
            recent = losses[-options.checkpoint_every :]
            progress.show(
                progress.line(
                    checkpoint.step,
                    loss=total,
                    mean_loss=sum(recent) / len(recent),
                    tokens_per_second=run_tokens / spent if spent else 0.0,
                    elapsed=spent,
                    eta=min(eta, left) if left is not None else eta,
                    budget_left=left,
                ),
                last=checkpoint.step == options.steps,
            )
            if checkpoint.step % options.checkpoint_every == 0 and checkpoint.step < options.steps:
                _record(checkpoint, losses, model, data)
                save()
    except KeyboardInterrupt:
        stopped_by = "interrupted"
        optimizer.zero_grad(set_to_none=True)  # half a step's gradients: that step runs again
    _record(checkpoint, losses, model, data, held_out=stopped_by != "interrupted")
    save()
    adapter = export_checkpoint(out, out / ADAPTER_NAME, dtype=options.export_dtype)
    spent = time.perf_counter() - started
    progress.note(
        f"stopped ({stopped_by}) at step {checkpoint.step}: {run_tokens} tokens in {spent:.0f} s; "
        f"adapter {adapter}"
    )
    result = TrainResult(
        step=checkpoint.step,
        tokens=checkpoint.tokens,
        elapsed=checkpoint.elapsed,
        stopped_by=stopped_by,
        checkpoint=checkpoint_path(out),
        adapter=adapter,
        history=checkpoint.history,
    )
    _write_summary(out, options, data, result)
    return result


def holdout_loss(model: Any, data: Dataset) -> float | None:
    """Mean generated-token loss over the held-out examples (None without any)."""
    if not data.holdout:
        return None
    import torch

    with torch.no_grad():
        values = [float(generated_loss(model, e.ids, e.generated)) for e in data.holdout]
    return sum(values) / len(values)


def _record(
    checkpoint: Checkpoint, losses: list[float], model: Any, data: Dataset, *, held_out: bool = True
) -> None:
    """A history entry at the checkpoint's step: the mean training loss since the last
    entry and (``held_out``) the held-out loss."""
    last = checkpoint.history[-1]["step"] if checkpoint.history else 0
    if checkpoint.step <= last:
        return
    recent = losses[-int(checkpoint.step - last) :] if losses else []
    entry: dict[str, float] = {"step": float(checkpoint.step)}
    if recent:
        entry["train_loss"] = sum(recent) / len(recent)
    held = holdout_loss(model, data) if held_out else None
    if held is not None:
        entry["holdout_loss"] = held
    checkpoint.history.append(entry)
    log.info("step %d: %s", checkpoint.step, entry)


def _write_summary(out: Path, options: TrainOptions, data: Dataset, result: TrainResult) -> None:
    summary = {
        "options": asdict(options),
        "data": data.summary(),
        "step": result.step,
        "tokens": result.tokens,
        "elapsed_seconds": round(result.elapsed, 1),
        "stopped_by": result.stopped_by,
        "adapter": str(result.adapter) if result.adapter else None,
        "history": result.history,
    }
    (out / SUMMARY_NAME).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
