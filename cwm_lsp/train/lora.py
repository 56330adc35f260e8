"""LoRA on a transformers Llama/Qwen2 model: the modules, where they go, their GGUF names.

Each adapted projection ``W`` (``out x in``) computes
``W x + (alpha / rank) * B (A x)`` with ``A`` ``rank x in`` (Kaiming-uniform)
and ``B`` ``out x rank`` (zeros, so a fresh adapter changes nothing) —
the computation llama.cpp applies at run time for a GGUF LoRA with
``adapter.lora.alpha`` = alpha and scale 1.  Only ``A`` and ``B`` train.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import torch
from torch import nn

from cwm_lsp.train.spec import TARGETS, LoraSpec, parse_layers, parse_targets

__all__ = ["TARGETS", "LoraLinear", "LoraSpec", "attach", "detach", "parse_layers", "parse_targets"]


class LoraLinear(nn.Module):
    """A frozen ``nn.Linear`` plus a trainable low-rank update."""

    def __init__(self, base: nn.Linear, rank: int, alpha: float) -> None:
        super().__init__()
        self.base = base
        self.rank = rank
        self.scale = alpha / rank
        # A is drawn on the CPU, so a seed gives the same adapter on every device
        lora_a = torch.empty(rank, base.in_features, dtype=base.weight.dtype)
        nn.init.kaiming_uniform_(lora_a, a=math.sqrt(5))
        self.lora_a = nn.Parameter(lora_a.to(base.weight.device))
        self.lora_b = nn.Parameter(
            torch.zeros(base.out_features, rank, dtype=base.weight.dtype, device=base.weight.device)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        update = nn.functional.linear(nn.functional.linear(x, self.lora_a), self.lora_b)
        out: torch.Tensor = self.base(x) + update * self.scale
        return out


def decoder_layers(model: Any) -> Sequence[nn.Module]:
    layers: Sequence[nn.Module] = model.model.layers
    return layers


def attach(model: Any, spec: LoraSpec, *, seed: int) -> dict[str, LoraLinear]:
    """Wrap the projections ``spec`` names; returns GGUF base name -> module (A seeded)."""
    generator_state = torch.random.get_rng_state()
    torch.manual_seed(seed)
    attached: dict[str, LoraLinear] = {}
    try:
        layers = decoder_layers(model)
        for index in spec.layers:
            for target in spec.targets:
                parent_path, _, leaf = target.rpartition(".")
                parent = layers[index].get_submodule(parent_path)
                base = getattr(parent, leaf)
                if not isinstance(base, nn.Linear):
                    raise TypeError(f"layer {index} {target} is not a Linear")
                module = LoraLinear(base, spec.rank, spec.alpha)
                setattr(parent, leaf, module)
                attached[f"blk.{index}.{TARGETS[target]}.weight"] = module
    finally:
        torch.random.set_rng_state(generator_state)
    return attached


def detach(model: Any, attached: dict[str, LoraLinear]) -> None:
    """Put the plain projections back (the model computes the base logits again)."""
    layers = decoder_layers(model)
    for name in attached:
        index = int(name.split(".")[1])
        tensor = name.split(".")[2]
        target = next(t for t, g in TARGETS.items() if g == tensor)
        parent_path, _, leaf = target.rpartition(".")
        parent = layers[index].get_submodule(parent_path)
        module = getattr(parent, leaf)
        if isinstance(module, LoraLinear):
            setattr(parent, leaf, module.base)


def parameters(attached: dict[str, LoraLinear]) -> list[nn.Parameter]:
    return [p for m in attached.values() for p in (m.lora_a, m.lora_b)]


def state(attached: dict[str, LoraLinear]) -> dict[str, torch.Tensor]:
    """``<gguf base name>.lora_a`` / ``.lora_b`` -> tensor (a copy, on the CPU)."""
    out: dict[str, torch.Tensor] = {}
    for name, module in attached.items():
        out[f"{name}.lora_a"] = module.lora_a.detach().cpu().clone()
        out[f"{name}.lora_b"] = module.lora_b.detach().cpu().clone()
    return out


def load_state(attached: dict[str, LoraLinear], tensors: dict[str, torch.Tensor]) -> None:
    with torch.no_grad():
        for name, module in attached.items():
            module.lora_a.copy_(tensors[f"{name}.lora_a"])
            module.lora_b.copy_(tensors[f"{name}.lora_b"])


def count(attached: Iterable[LoraLinear]) -> int:
    return sum(m.lora_a.numel() + m.lora_b.numel() for m in attached)
