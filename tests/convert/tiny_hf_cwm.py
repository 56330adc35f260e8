"""A tiny random Hugging Face CWM checkpoint (``CwmForCausalLM`` + tokenizer) for conversion tests.

Shaped like the real ``facebook/cwm`` in every way the converter looks at,
only smaller: Llama-3 byte-level BPE with Llama 3's pre-tokenizer regex,
llama3 RoPE scaling, an 8,192-token sliding window on three of every four
layers.  Weights are random (seeded).  Two vocabulary layouts:

* ``"cwm"`` (default): the special tokens at their real ids
  (``<|begin_of_text|>`` 128000, the trace tokens 128100-128107, ...), so
  ``vocab_size`` is the real 128,256 (most ids are unused holes);
* ``"compact"``: the special tokens right after the ~400 BPE tokens, for a
  model that generates quickly (logits over a few hundred ids, not 128k).

Needs torch, transformers and tokenizers (the ``convert`` extra).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

#: Llama 3's pre-tokenizer split (the one llama.cpp calls "llama-bpe").
LLAMA3_SPLIT = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}"
    r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)

#: CWM's special tokens at their real ids (Llama 3's, plus the trace tokens).
SPECIAL_TOKENS: dict[str, int] = {
    "<|begin_of_text|>": 128000,
    "<|end_of_text|>": 128001,
    "<|start_header_id|>": 128006,
    "<|end_header_id|>": 128007,
    "<|eom_id|>": 128008,
    "<|eot_id|>": 128009,
    "<|frame_sep|>": 128100,
    "<|action_sep|>": 128101,
    "<|return_sep|>": 128102,
    "<|call_sep|>": 128103,
    "<|line_sep|>": 128104,
    "<|exception_sep|>": 128105,
    "<|arg_sep|>": 128106,
    "<|trace_context_start|>": 128107,
}
VOCAB_SIZE = 128256

_CORPUS = [
    "def f(x):  # << START_OF_TRACE\n    return x + 1\n",
    "def count(n):\n    total = 0\n    for i in range(n):\n        total += i\n    return total\n",
    '{"x": "1", "y": "..", "total": "0", "i": "2"}',
    "class Point:\n    def __init__(self, x, y):\n        self.x = x\n        self.y = y\n",
    "if n <= 1:\n    return n\nreturn fib(n - 1) + fib(n - 2)\n",
    "values = [1, 2, 3]\nname = 'hello world'\nprint(values, name)\n",
]

TINY_CONFIG: dict[str, Any] = {
    "vocab_size": VOCAB_SIZE,
    "hidden_size": 64,
    "intermediate_size": 128,
    "num_hidden_layers": 4,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "head_dim": 16,
    "max_position_embeddings": 131072,
    "rms_norm_eps": 1e-5,
    "sliding_window": 8192,
    "bos_token_id": 128000,
    "eos_token_id": [128001, 128008, 128009],
    "tie_word_embeddings": False,
    "rope_parameters": {
        "rope_type": "llama3",
        "rope_theta": 1_000_000.0,
        "factor": 16.0,
        "high_freq_factor": 4.0,
        "low_freq_factor": 1.0,
        "original_max_position_embeddings": 8192,
    },
}


def special_token_ids(layout: str, n_bpe: int) -> dict[str, int]:
    if layout == "cwm":
        return dict(SPECIAL_TOKENS)
    if layout == "compact":
        return {token: n_bpe + i for i, token in enumerate(SPECIAL_TOKENS)}
    raise ValueError(f"unknown vocabulary layout {layout!r}")


def build_tokenizer_json(layout: str = "cwm") -> tuple[str, int]:
    """(tokenizer.json text, vocab_size): byte-level BPE in Llama 3's shape with CWM's special tokens."""
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, processors, trainers

    tok = Tokenizer(models.BPE(ignore_merges=True))
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(LLAMA3_SPLIT), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=False),
        ]
    )
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(_CORPUS * 4, trainer)
    n_bpe = tok.get_vocab_size()
    ids = special_token_ids(layout, n_bpe)
    tok.post_processor = processors.TemplateProcessing(
        single="<|begin_of_text|> $A",
        pair="<|begin_of_text|> $A <|begin_of_text|> $B",
        special_tokens=[("<|begin_of_text|>", ids["<|begin_of_text|>"])],
    )
    data = json.loads(tok.to_str())
    # Special tokens keep their real ids: put them in the model vocabulary too,
    # otherwise the tokenizers library renumbers added tokens past the holes.
    data["added_tokens"] = [
        {
            "id": token_id,
            "content": content,
            "single_word": False,
            "lstrip": False,
            "rstrip": False,
            "normalized": False,
            "special": True,
        }
        for content, token_id in ids.items()
    ]
    for content, token_id in ids.items():
        data["model"]["vocab"][content] = token_id
    vocab_size = VOCAB_SIZE if layout == "cwm" else n_bpe + len(ids)
    return json.dumps(data, ensure_ascii=False), vocab_size


def build_tiny_cwm(
    out_dir: Path,
    *,
    seed: int = 0,
    layout: str = "cwm",
    config_overrides: dict[str, Any] | None = None,
) -> Path:
    """Write a tiny random CwmForCausalLM checkpoint (safetensors) with its tokenizer to ``out_dir``.

    ``layout`` "cwm" keeps CWM's token ids (vocab 128,256); "compact" packs
    the vocabulary into ~420 ids (see the module docstring).
    """
    import torch
    from tokenizers import Tokenizer
    from transformers import CwmConfig, CwmForCausalLM, PreTrainedTokenizerFast

    out_dir.mkdir(parents=True, exist_ok=True)
    tokenizer_json, vocab_size = build_tokenizer_json(layout)
    ids = special_token_ids(layout, 0 if layout == "cwm" else vocab_size - len(SPECIAL_TOKENS))
    torch.manual_seed(seed)
    config = CwmConfig(
        **{
            **TINY_CONFIG,
            "vocab_size": vocab_size,
            "bos_token_id": ids["<|begin_of_text|>"],
            "eos_token_id": [ids[t] for t in ("<|end_of_text|>", "<|eom_id|>", "<|eot_id|>")],
            **(config_overrides or {}),
        }
    )
    model = CwmForCausalLM(config).eval()
    with torch.no_grad():
        # Random init gives norms of exactly 1; perturb them so a norm mix-up shows.
        for name, param in model.named_parameters():
            if name.endswith("norm.weight"):
                param.add_(torch.randn_like(param) * 0.1)
            else:
                param.normal_(0.0, 0.08)
    model.save_pretrained(out_dir, safe_serialization=True)

    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=Tokenizer.from_str(tokenizer_json),
        bos_token="<|begin_of_text|>",
        eos_token="<|end_of_text|>",
    )
    tokenizer.save_pretrained(out_dir)
    return out_dir


if __name__ == "__main__":
    import sys

    # python tests/convert/tiny_hf_cwm.py OUT_DIR [cwm|compact]
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "tiny-hf-cwm")
    print(build_tiny_cwm(out, layout=sys.argv[2] if len(sys.argv) > 2 else "cwm"))
