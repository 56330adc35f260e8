"""Exporting CWM's byte-level BPE tokenizer (tokenizer.json) into GGUF metadata.

llama.cpp's "gpt2" tokenizer model with the "llama-bpe" pre-tokenizer is
Llama 3's (the same split regex, byte-level alphabet, merges that may be
ignored when a whole word is in the vocabulary).  Added tokens that are
special (every ``<|...|>`` token: CWM's trace tokens, chat tokens,
``<|begin_of_text|>``) become CONTROL tokens, so llama.cpp encodes each of
them as one id when it parses special tokens and never produces them from
plain text.  Ids without a token become ``[PAD<id>]`` UNUSED entries.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cwm_lsp.convert.checkpoint import ConversionError
from cwm_lsp.trace.codec import TOKENS

#: CWM's trace tokens (facebookresearch/cwm); a native CWM tokenizer holds all of them.
TRACE_TOKENS = tuple(TOKENS.values())
REQUIRED_TOKENS = ("<|begin_of_text|>", "<|end_of_text|>", *TRACE_TOKENS)

#: Llama 3's pre-tokenizer split, the one llama.cpp implements as "llama-bpe".
LLAMA3_SPLIT = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}"
    r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)
PRE_TOKENIZERS = {LLAMA3_SPLIT: "llama-bpe"}


@dataclass
class Vocabulary:
    tokens: list[str]
    #: gguf.TokenType values
    token_types: list[int]
    pre_tokenizer: str
    control_ids: dict[str, int]


def _split_patterns(pre: Any) -> list[str]:
    if not isinstance(pre, dict):
        return []
    if pre.get("type") == "Sequence":
        return [p for sub in pre.get("pretokenizers", []) for p in _split_patterns(sub)]
    if pre.get("type") == "Split":
        pattern = pre.get("pattern", {})
        return [str(pattern.get("Regex", pattern.get("String", "")))]
    return []


def detect_pre_tokenizer(tokenizer: dict[str, Any]) -> str:
    """llama.cpp's pre-tokenizer name for this tokenizer.json; ConversionError if unknown."""
    patterns = _split_patterns(tokenizer.get("pre_tokenizer"))
    for pattern in patterns:
        if pattern in PRE_TOKENIZERS:
            return PRE_TOKENIZERS[pattern]
    shown = patterns[0][:60] + "..." if patterns else "none"
    raise ConversionError(
        "tokenizer.json: the pre-tokenizer is not Llama 3's (CWM's); split regex: "
        f"{shown} (pass --pre-tokenizer NAME to force one of llama.cpp's)"
    )


def read_tokenizer_json(directory: Path) -> dict[str, Any]:
    path = directory / "tokenizer.json"
    if not path.is_file():
        raise ConversionError(
            f"{directory}: no tokenizer.json (CWM ships a byte-level BPE tokenizer)"
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConversionError(f"{path}: cannot read: {exc}") from None
    if not isinstance(data, dict) or data.get("model", {}).get("type") != "BPE":
        raise ConversionError(f"{path}: not a BPE tokenizer (CWM's is byte-level BPE)")
    return data


def _looks_special(token: str) -> bool:
    return token.startswith("<|") and token.endswith("|>")


def build_vocabulary(
    tokenizer: dict[str, Any], n_vocab: int, pre_tokenizer: str | None = None
) -> Vocabulary:
    """Token list and types for ``n_vocab`` ids (the embedding's rows)."""
    from gguf import TokenType

    by_id: dict[int, str] = {}
    for text, token_id in tokenizer["model"].get("vocab", {}).items():
        by_id[int(token_id)] = text
    added = {int(t["id"]): t for t in tokenizer.get("added_tokens", [])}
    for token_id, entry in added.items():
        by_id[token_id] = str(entry["content"])
    too_big = [i for i in by_id if i >= n_vocab]
    if too_big:
        raise ConversionError(
            f"tokenizer.json has token id {max(too_big)} but the model has only {n_vocab} embeddings"
        )
    present = {text: token_id for token_id, text in by_id.items()}
    missing = [t for t in REQUIRED_TOKENS if t not in present]
    if missing:
        raise ConversionError(f"not a CWM tokenizer: it lacks {', '.join(missing)}")
    tokens: list[str] = []
    types: list[int] = []
    control: dict[str, int] = {}
    for token_id in range(n_vocab):
        text = by_id.get(token_id)
        if text is None:
            tokens.append(f"[PAD{token_id}]")
            types.append(int(TokenType.UNUSED))
            continue
        tokens.append(text)
        entry = added.get(token_id)
        if entry is not None and (entry.get("special") or _looks_special(text)):
            types.append(int(TokenType.CONTROL))
            control[text] = token_id
        elif entry is not None:
            types.append(int(TokenType.USER_DEFINED))
        else:
            types.append(int(TokenType.NORMAL))
    not_control = [t for t in REQUIRED_TOKENS if t not in control]
    if not_control:
        raise ConversionError(
            f"tokenizer.json: {', '.join(not_control)} must be special added tokens"
        )
    return Vocabulary(
        tokens=tokens,
        token_types=types,
        pre_tokenizer=pre_tokenizer or detect_pre_tokenizer(tokenizer),
        control_ids=control,
    )


def add_vocabulary(writer: Any, directory: Path, vocab: Vocabulary) -> None:
    """Write the tokenizer metadata (tokens, types, merges, special ids, chat template)."""
    import gguf

    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre(vocab.pre_tokenizer)
    writer.add_token_list(vocab.tokens)
    writer.add_token_types(vocab.token_types)
    # gguf warns about Llama 3's pair template (<|begin_of_text|> twice); it is harmless.
    gguf_log = logging.getLogger("gguf")
    level = gguf_log.level
    gguf_log.setLevel(logging.ERROR)
    try:
        special = gguf.SpecialVocab(directory, load_merges=True, n_vocab=len(vocab.tokens))
    finally:
        gguf_log.setLevel(level)
    if not special.merges:
        raise ConversionError(f"{directory}/tokenizer.json: no BPE merges")
    special.add_to_gguf(writer, quiet=True)
