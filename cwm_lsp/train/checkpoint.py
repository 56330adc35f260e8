"""A training run's checkpoint: the adapter, the optimizer, the step, what it was trained with.

One file, ``<out>/checkpoint.pt`` (``torch.save``), replaced atomically: a
run killed while saving leaves the previous checkpoint whole.  Everything a
resumed run needs is in it; the example order is a function of the seed and
the step (:mod:`cwm_lsp.train.dataset`), so it needs no state of its own.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cwm_lsp.train.spec import LoraSpec

CHECKPOINT_NAME = "checkpoint.pt"
VERSION = 1


@dataclass
class Checkpoint:
    #: the run's settings (``TrainOptions`` as JSON)
    options: dict[str, Any]
    spec: LoraSpec
    #: the base model's ``general.architecture`` (the adapter's too)
    architecture: str
    #: optimizer steps done, training seconds spent, tokens seen
    step: int
    elapsed: float
    tokens: int
    #: ``<gguf base weight>.lora_a`` / ``.lora_b`` -> tensor
    lora: dict[str, Any]
    optimizer: dict[str, Any]
    #: one record per checkpoint: step, mean training loss since the last, held-out loss
    history: list[dict[str, float]] = field(default_factory=list)


def checkpoint_path(out: str | Path) -> Path:
    return Path(out) / CHECKPOINT_NAME


def save_checkpoint(out: str | Path, checkpoint: Checkpoint) -> Path:
    import torch

    path = checkpoint_path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    payload = {
        "version": VERSION,
        "options": checkpoint.options,
        "spec": checkpoint.spec.to_json(),
        "architecture": checkpoint.architecture,
        "step": checkpoint.step,
        "elapsed": checkpoint.elapsed,
        "tokens": checkpoint.tokens,
        "lora": checkpoint.lora,
        "optimizer": checkpoint.optimizer,
        "history": checkpoint.history,
    }
    torch.save(payload, temporary)
    os.replace(temporary, path)
    return path


def load_checkpoint(path: str | Path) -> Checkpoint:
    """The checkpoint at ``path`` (a file, or a run's directory)."""
    import torch

    file = Path(path)
    if file.is_dir():
        file = checkpoint_path(file)
    payload = torch.load(file, map_location="cpu", weights_only=True)
    if payload.get("version") != VERSION:
        raise ValueError(f"{file}: checkpoint version {payload.get('version')}, expected {VERSION}")
    return Checkpoint(
        options=dict(payload["options"]),
        spec=LoraSpec.from_json(payload["spec"]),
        architecture=str(payload["architecture"]),
        step=int(payload["step"]),
        elapsed=float(payload["elapsed"]),
        tokens=int(payload["tokens"]),
        lora=dict(payload["lora"]),
        optimizer=dict(payload["optimizer"]),
        history=list(payload.get("history", [])),
    )
