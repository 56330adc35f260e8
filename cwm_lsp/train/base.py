"""The base model in torch: a GGUF de-quantized by transformers, and the loss on generated tokens.

transformers reads a GGUF directly (``from_pretrained(dir, gguf_file=name)``),
de-quantizing every tensor to float32: the weights llama.cpp runs, up to the
quantization's rounding.  The loss is computed only at the positions whose
next token the model generates at inference: the hidden states of those
positions go through the LM head (151,936 rows on the default model), the
others never do.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


class TrainSetupError(RuntimeError):
    """Training cannot start: a missing package, an unreadable model or corpus."""


def require_torch() -> None:
    """TrainSetupError naming the extra when torch, transformers or accelerate is missing."""
    import importlib.util

    missing = [
        m for m in ("torch", "transformers", "accelerate") if importlib.util.find_spec(m) is None
    ]
    if missing:
        raise TrainSetupError(
            f"training needs the train extra ({', '.join(missing)} missing): "
            "pip install -e '.[train]'"
        )


def resolve_device(name: str) -> str:
    """The torch device ``name`` asks for: ``auto`` is the first of CUDA, Apple's MPS and the
    CPU that this torch can use; a named accelerator this torch cannot use is a
    TrainSetupError that says so (never a silent fall back to the CPU)."""
    require_torch()
    import torch

    wanted = name.strip().lower() or "cpu"
    cuda = torch.cuda.is_available()
    mps = bool(getattr(torch.backends, "mps", None)) and torch.backends.mps.is_available()
    if wanted == "auto":
        return "cuda" if cuda else "mps" if mps else "cpu"
    kind = wanted.split(":", 1)[0]
    if kind == "cpu":
        return "cpu"
    if kind == "cuda":
        if not cuda:
            built = torch.version.cuda
            why = f"its CUDA {built} finds no GPU" if built else "it was built without CUDA"
            raise TrainSetupError(f"--device {name}: this torch cannot use CUDA ({why})")
        if ":" in wanted:
            index = wanted.split(":", 1)[1]
            if not index.isdigit() or int(index) >= torch.cuda.device_count():
                raise TrainSetupError(
                    f"--device {name}: {torch.cuda.device_count()} CUDA device(s) here"
                )
        return wanted
    if kind == "mps":
        if not mps:
            raise TrainSetupError(f"--device {name}: this torch cannot use Apple's MPS")
        return "mps"
    raise TrainSetupError(f"--device {name}: not one of auto, cpu, cuda, cuda:N, mps")


def model_device(model: Any) -> Any:
    """The device the model's weights are on (inputs go there)."""
    return next(model.parameters()).device


def load_base(path: str | Path, *, device: str = "cpu") -> Any:
    """The GGUF at ``path`` as a float32 transformers causal LM, frozen, in eval mode, on
    ``device`` (a name :func:`resolve_device` gave)."""
    require_torch()
    import torch
    from transformers import AutoModelForCausalLM

    file = Path(path).expanduser().resolve()
    if not file.is_file():
        raise TrainSetupError(f"no model file at {file}")
    started = time.perf_counter()
    try:
        model: Any = AutoModelForCausalLM.from_pretrained(
            str(file.parent), gguf_file=file.name, dtype=torch.float32
        )
    except (ValueError, OSError, KeyError, RuntimeError) as exc:
        raise TrainSetupError(f"transformers cannot load {file}: {exc}") from None
    if device != "cpu":
        model.to(device)
    model.eval()  # no dropout: the LoRA path is the only thing that changes
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    log.info("loaded %s in torch on %s in %.1f s", file, device, time.perf_counter() - started)
    return model


def generated_loss(model: Any, ids: Sequence[int], generated: Sequence[int]) -> Any:
    """Mean cross-entropy of the tokens at positions ``generated`` (each predicted from the
    position before it); a 0-dim tensor with a graph back to the trainable parameters."""
    import torch

    positions = [p for p in generated if p > 0]
    if not positions:
        raise ValueError("no generated token to learn from")
    device = model_device(model)
    tokens = torch.tensor([list(ids)], dtype=torch.long, device=device)
    hidden = model.model(input_ids=tokens, use_cache=False).last_hidden_state[0]
    before = torch.tensor([p - 1 for p in positions], dtype=torch.long, device=device)
    logits = model.lm_head(hidden.index_select(0, before))
    targets = tokens[0].index_select(0, torch.tensor(positions, dtype=torch.long, device=device))
    return torch.nn.functional.cross_entropy(logits.float(), targets)


def full_loss(model: Any, ids: Sequence[int]) -> Any:
    """Mean cross-entropy of every next token (all positions through the LM head), to compare."""
    import torch

    tokens = torch.tensor([list(ids)], dtype=torch.long, device=model_device(model))
    logits = model(input_ids=tokens, use_cache=False).logits[0]
    return torch.nn.functional.cross_entropy(logits[:-1].float(), tokens[0, 1:])


def all_logits(model: Any, ids: Sequence[int]) -> Any:
    """Logits at every position (float32 numpy array, positions x vocabulary)."""
    import torch

    with torch.no_grad():
        tokens = torch.tensor([list(ids)], dtype=torch.long, device=model_device(model))
        out = model(input_ids=tokens, use_cache=False)
    return out.logits[0].float().cpu().numpy()
