"""Which projections of which layers get a LoRA, and their llama.cpp names (no torch here).

Kept apart from :mod:`cwm_lsp.train.lora` so that a checkpoint's description
and the command line parse without torch installed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

#: transformers module (in a decoder layer) -> llama.cpp tensor name (in ``blk.N.``)
TARGETS: dict[str, str] = {
    "self_attn.q_proj": "attn_q",
    "self_attn.k_proj": "attn_k",
    "self_attn.v_proj": "attn_v",
    "self_attn.o_proj": "attn_output",
    "mlp.gate_proj": "ffn_gate",
    "mlp.up_proj": "ffn_up",
    "mlp.down_proj": "ffn_down",
}
#: short names for ``--targets``
SHORT: dict[str, str] = {
    "q": "self_attn.q_proj",
    "k": "self_attn.k_proj",
    "v": "self_attn.v_proj",
    "o": "self_attn.o_proj",
    "gate": "mlp.gate_proj",
    "up": "mlp.up_proj",
    "down": "mlp.down_proj",
}


@dataclass(frozen=True)
class LoraSpec:
    """Which projections of which layers get an adapter, of what rank and alpha."""

    rank: int
    alpha: float
    #: decoder layer indices
    layers: tuple[int, ...]
    #: transformers module paths inside a layer (keys of :data:`TARGETS`)
    targets: tuple[str, ...] = tuple(TARGETS)

    @property
    def scale(self) -> float:
        return self.alpha / self.rank

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LoraSpec:
        return cls(
            rank=int(data["rank"]),
            alpha=float(data["alpha"]),
            layers=tuple(int(i) for i in data["layers"]),
            targets=tuple(str(t) for t in data["targets"]),
        )


def parse_layers(text: str, n_layers: int) -> tuple[int, ...]:
    """``all``, ``last:N``, or a list like ``0,2,20-23`` -> sorted layer indices."""
    text = text.strip()
    if text in ("", "all"):
        return tuple(range(n_layers))
    if text.startswith("last:"):
        count = int(text.split(":", 1)[1])
        return tuple(range(max(0, n_layers - count), n_layers))
    found: set[int] = set()
    for part in text.split(","):
        first, dash, last = part.strip().partition("-")
        found.update(range(int(first), int(last) + 1) if dash else [int(first)])
    bad = sorted(i for i in found if not 0 <= i < n_layers)
    if bad:
        raise ValueError(f"layers {bad} out of range (the model has {n_layers})")
    return tuple(sorted(found))


def parse_targets(text: str) -> tuple[str, ...]:
    """``all`` or short names ``q,k,v,o,gate,up,down`` -> module paths."""
    if text.strip() in ("", "all"):
        return tuple(TARGETS)
    names = [t.strip() for t in text.split(",") if t.strip()]
    unknown = [n for n in names if n not in SHORT]
    if unknown:
        raise ValueError(f"unknown targets {unknown}: use {', '.join(SHORT)}")
    return tuple(SHORT[n] for n in names)
