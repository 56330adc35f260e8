"""Reading a Hugging Face CWM checkpoint's shape: config.json and the safetensors index.

Nothing here loads a weight: the tensor index holds names, shapes and dtypes
read from the safetensors headers.  A checkpoint that is not CWM-shaped
(another architecture, missing or unexpected tensors, wrong shapes, a
feature llama.cpp's llama architecture cannot express) raises
:class:`ConversionError` with a message that says what is wrong.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: llama.cpp's llama architecture has no sliding window: this is the longest
#: context for which the converted file computes the same function as CWM.
DEFAULT_CONTEXT_CAP = 8192

CWM_ARCHITECTURES = ("CwmForCausalLM",)
CWM_MODEL_TYPES = ("cwm",)

_SAFETENSORS_DTYPES = {"F32": "F32", "F16": "F16", "BF16": "BF16"}


class ConversionError(Exception):
    """The checkpoint cannot be converted; the message says why (one line)."""


@dataclass(frozen=True)
class RopeParams:
    theta: float
    #: "default" or "llama3"
    rope_type: str
    factor: float = 1.0
    low_freq_factor: float = 1.0
    high_freq_factor: float = 4.0
    original_max_position_embeddings: int = 8192


@dataclass(frozen=True)
class CwmHParams:
    """The hyper-parameters of a CWM checkpoint, validated."""

    n_layer: int
    n_embd: int
    n_ff: int
    n_head: int
    n_head_kv: int
    head_dim: int
    n_vocab: int
    rms_norm_eps: float
    rope: RopeParams
    max_position_embeddings: int
    sliding_window: int | None
    layer_types: tuple[str, ...]
    tie_word_embeddings: bool
    bos_token_id: int | None
    eos_token_ids: tuple[int, ...]
    name: str

    @property
    def n_sliding_layers(self) -> int:
        return sum(1 for kind in self.layer_types if kind == "sliding_attention")

    @property
    def context_cap(self) -> int:
        """The longest context the llama-architecture file computes exactly."""
        if self.sliding_window and self.n_sliding_layers:
            return min(self.sliding_window, self.max_position_embeddings)
        return min(DEFAULT_CONTEXT_CAP, self.max_position_embeddings)

    @property
    def context_cap_reason(self) -> str:
        if self.sliding_window and self.n_sliding_layers:
            return (
                f"CWM uses a {self.sliding_window}-token sliding window on "
                f"{self.n_sliding_layers} of its {self.n_layer} layers (the others are global); "
                "llama.cpp's llama architecture has no sliding window, so this file computes "
                f"the same function as CWM only for contexts up to {self.context_cap} tokens"
            )
        return (
            f"context capped at {self.context_cap} tokens (the model was trained with "
            f"{self.max_position_embeddings}); longer contexts were not verified"
        )


@dataclass(frozen=True)
class SourceTensor:
    name: str
    shape: tuple[int, ...]
    #: "F32", "F16" or "BF16"
    dtype: str
    file: Path


@dataclass
class Checkpoint:
    directory: Path
    config: dict[str, Any]
    hparams: CwmHParams
    tensors: dict[str, SourceTensor] = field(default_factory=dict)


def _require(config: dict[str, Any], key: str, kind: type) -> Any:
    if key not in config:
        raise ConversionError(f"config.json has no {key!r}: not a CWM checkpoint")
    value = config[key]
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ConversionError(f"config.json: {key!r} should be {kind.__name__}, got {value!r}")
    return value


def read_config(directory: Path) -> dict[str, Any]:
    path = directory / "config.json"
    if not directory.is_dir():
        raise ConversionError(f"{directory}: not a directory (expected a Hugging Face checkpoint)")
    if not path.is_file():
        raise ConversionError(f"{directory}: no config.json (expected a Hugging Face checkpoint)")
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConversionError(f"{path}: cannot read: {exc}") from None
    if not isinstance(config, dict):
        raise ConversionError(f"{path}: not a JSON object")
    return config


def parse_rope(config: dict[str, Any]) -> RopeParams:
    """RoPE parameters from either ``rope_parameters`` (transformers 5) or ``rope_scaling`` + ``rope_theta``."""
    params = config.get("rope_parameters") or config.get("rope_scaling") or {}
    if not isinstance(params, dict):
        raise ConversionError(f"config.json: unreadable RoPE parameters {params!r}")
    if "full_attention" in params and isinstance(params["full_attention"], dict):
        params = params["full_attention"]
    theta = params.get("rope_theta", config.get("rope_theta", 10000.0))
    rope_type = str(params.get("rope_type", params.get("type", "default"))).lower()
    if rope_type == "default":
        return RopeParams(theta=float(theta), rope_type="default")
    if rope_type != "llama3":
        raise ConversionError(
            f"config.json: RoPE type {rope_type!r} is not CWM's (expected 'llama3' or 'default')"
        )
    return RopeParams(
        theta=float(theta),
        rope_type="llama3",
        factor=float(params.get("factor", 8.0)),
        low_freq_factor=float(params.get("low_freq_factor", 1.0)),
        high_freq_factor=float(params.get("high_freq_factor", 4.0)),
        original_max_position_embeddings=int(params.get("original_max_position_embeddings", 8192)),
    )


def parse_hparams(config: dict[str, Any], name: str) -> CwmHParams:
    """Validated hyper-parameters; ConversionError when the config is not CWM's."""
    architectures = config.get("architectures") or []
    model_type = config.get("model_type")
    if model_type not in CWM_MODEL_TYPES and not any(a in CWM_ARCHITECTURES for a in architectures):
        found = ", ".join(map(str, architectures)) or str(model_type)
        raise ConversionError(
            f"not a CWM checkpoint: architecture {found} (expected CwmForCausalLM)"
        )
    n_layer = _require(config, "num_hidden_layers", int)
    n_embd = _require(config, "hidden_size", int)
    n_head = _require(config, "num_attention_heads", int)
    n_head_kv = int(config.get("num_key_value_heads") or n_head)
    head_dim = int(config.get("head_dim") or n_embd // n_head)
    if n_head % n_head_kv:
        raise ConversionError(
            f"config.json: {n_head} heads is not a multiple of {n_head_kv} KV heads"
        )
    if head_dim % 2:
        raise ConversionError(f"config.json: head_dim {head_dim} is odd (RoPE needs pairs)")
    if config.get("hidden_act", "silu") != "silu":
        raise ConversionError(
            f"config.json: activation {config['hidden_act']!r} is not CWM's (silu)"
        )
    for flag in ("attention_bias", "mlp_bias"):
        if config.get(flag):
            raise ConversionError(f"config.json: {flag} is set; CWM has no biases")
    layer_types = tuple(config.get("layer_types") or ())
    if layer_types and len(layer_types) != n_layer:
        raise ConversionError(f"config.json: {len(layer_types)} layer_types for {n_layer} layers")
    unknown = sorted(set(layer_types) - {"full_attention", "sliding_attention"})
    if unknown:
        raise ConversionError(f"config.json: unknown layer types {unknown}")
    sliding = config.get("sliding_window")
    if not layer_types:
        # transformers' CwmConfig default: every fourth layer, from layer 0, is global.
        layer_types = tuple(
            "full_attention" if i % 4 == 0 else "sliding_attention" for i in range(n_layer)
        )
    eos = config.get("eos_token_id")
    eos_ids = tuple(eos) if isinstance(eos, list) else ((eos,) if isinstance(eos, int) else ())
    return CwmHParams(
        n_layer=n_layer,
        n_embd=n_embd,
        n_ff=_require(config, "intermediate_size", int),
        n_head=n_head,
        n_head_kv=n_head_kv,
        head_dim=head_dim,
        n_vocab=_require(config, "vocab_size", int),
        rms_norm_eps=float(config.get("rms_norm_eps", 1e-5)),
        rope=parse_rope(config),
        max_position_embeddings=int(config.get("max_position_embeddings") or DEFAULT_CONTEXT_CAP),
        sliding_window=int(sliding) if sliding else None,
        layer_types=layer_types,
        tie_word_embeddings=bool(config.get("tie_word_embeddings", False)),
        bos_token_id=config.get("bos_token_id"),
        eos_token_ids=eos_ids,
        name=name,
    )


def expected_shapes(hp: CwmHParams) -> dict[str, tuple[int, ...]]:
    """Hugging Face tensor name -> shape for a CWM checkpoint with these hyper-parameters."""
    q_dim, kv_dim = hp.n_head * hp.head_dim, hp.n_head_kv * hp.head_dim
    shapes: dict[str, tuple[int, ...]] = {
        "model.embed_tokens.weight": (hp.n_vocab, hp.n_embd),
        "model.norm.weight": (hp.n_embd,),
    }
    if not hp.tie_word_embeddings:
        shapes["lm_head.weight"] = (hp.n_vocab, hp.n_embd)
    for i in range(hp.n_layer):
        p = f"model.layers.{i}."
        shapes.update(
            {
                p + "input_layernorm.weight": (hp.n_embd,),
                p + "post_attention_layernorm.weight": (hp.n_embd,),
                p + "self_attn.q_proj.weight": (q_dim, hp.n_embd),
                p + "self_attn.k_proj.weight": (kv_dim, hp.n_embd),
                p + "self_attn.v_proj.weight": (kv_dim, hp.n_embd),
                p + "self_attn.o_proj.weight": (hp.n_embd, q_dim),
                p + "mlp.gate_proj.weight": (hp.n_ff, hp.n_embd),
                p + "mlp.up_proj.weight": (hp.n_ff, hp.n_embd),
                p + "mlp.down_proj.weight": (hp.n_embd, hp.n_ff),
            }
        )
    return shapes


def read_safetensors_header(path: Path) -> dict[str, Any]:
    """The JSON header of a safetensors file (names, dtypes, shapes; no data)."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(8)
            if len(raw) != 8:
                raise ConversionError(f"{path}: truncated safetensors file")
            (length,) = struct.unpack("<Q", raw)
            if length > 100_000_000:
                raise ConversionError(f"{path}: not a safetensors file (header length {length})")
            header = json.loads(handle.read(length))
    except OSError as exc:
        raise ConversionError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except ValueError:
        raise ConversionError(f"{path}: not a safetensors file (unreadable header)") from None
    if not isinstance(header, dict):
        raise ConversionError(f"{path}: not a safetensors file")
    header.pop("__metadata__", None)
    return header


def index_tensors(directory: Path) -> dict[str, SourceTensor]:
    """Every tensor in the checkpoint's safetensors shards, by name (headers only)."""
    files = sorted(directory.glob("*.safetensors"))
    if not files:
        if any(directory.glob("*.bin")) or any(directory.glob("*.pt")):
            raise ConversionError(
                f"{directory}: only PyTorch pickle weights; convert needs safetensors shards"
            )
        raise ConversionError(f"{directory}: no *.safetensors weights")
    tensors: dict[str, SourceTensor] = {}
    for file in files:
        for name, info in read_safetensors_header(file).items():
            dtype = _SAFETENSORS_DTYPES.get(str(info.get("dtype")))
            if dtype is None:
                raise ConversionError(
                    f"{file.name}: tensor {name} has unsupported dtype {info.get('dtype')}"
                )
            if name in tensors:
                raise ConversionError(f"tensor {name} appears in two shards")
            tensors[name] = SourceTensor(name, tuple(int(d) for d in info["shape"]), dtype, file)
    return tensors


def check_tensors(hp: CwmHParams, tensors: dict[str, SourceTensor]) -> None:
    """ConversionError unless the checkpoint holds exactly CWM's tensors with CWM's shapes."""
    expected = expected_shapes(hp)
    ignorable = {name for name in tensors if name.endswith("rotary_emb.inv_freq")}
    if hp.tie_word_embeddings:
        ignorable.add("lm_head.weight")
    missing = sorted(set(expected) - set(tensors))
    unexpected = sorted(set(tensors) - set(expected) - ignorable)
    if missing:
        more = f" (and {len(missing) - 3} more)" if len(missing) > 3 else ""
        raise ConversionError(
            f"not a CWM checkpoint: missing tensors {', '.join(missing[:3])}{more}"
        )
    if unexpected:
        more = f" (and {len(unexpected) - 3} more)" if len(unexpected) > 3 else ""
        raise ConversionError(
            f"not a CWM checkpoint: unexpected tensors {', '.join(unexpected[:3])}{more}"
        )
    for name, shape in expected.items():
        if tensors[name].shape != shape:
            raise ConversionError(
                f"not a CWM checkpoint: {name} has shape {list(tensors[name].shape)}, "
                f"config.json implies {list(shape)}"
            )


def open_checkpoint(directory: Path) -> Checkpoint:
    """Read and validate a Hugging Face CWM checkpoint's config and tensor index."""
    config = read_config(directory)
    name = str(config.get("_name_or_path") or directory.resolve().name)
    hparams = parse_hparams(config, name)
    tensors = index_tensors(directory)
    check_tensors(hparams, tensors)
    return Checkpoint(directory=directory, config=config, hparams=hparams, tensors=tensors)
