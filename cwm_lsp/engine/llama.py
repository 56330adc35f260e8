"""The in-process engine: a llama.cpp context shared by every session of one model.

One :class:`LlamaEngine` wraps one ``llama_cpp.Llama``.  Each user of it (a
:class:`Decoder`, one per session) keeps its own token history; before it
needs logits it asks the engine to make the KV cache hold exactly that
history.  The engine evaluates only the tokens past the longest common
prefix with what the cache holds.  When sessions take turns, the engine
snapshots the leaving session's sequence state (``llama_state_seq_get_data``:
the KV cells only, no logits copy) and restores it when that session comes
back, instead of evaluating its prompt again.
"""

from __future__ import annotations

import ctypes
import logging
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from cwm_lsp.engine.protocol import Accept, ContextFullError, Pick, SequenceState
from cwm_lsp.engine.sampling import pick

log = logging.getLogger(__name__)

#: How many sessions' cache snapshots to keep (each is ~12 KB per token on the 0.5B model).
MAX_SNAPSHOTS = 6


class LlamaEngine:
    """Owns a ``llama_cpp.Llama`` and tracks which token sequence its KV cache holds.

    Fills the :class:`~cwm_lsp.engine.protocol.Engine` seam in-process.
    """

    def __init__(self, llama: Any) -> None:
        import llama_cpp

        self._lib = llama_cpp
        self.llama = llama
        self.n_vocab: int = int(llama.n_vocab())
        self.n_ctx: int = int(llama.n_ctx())
        self._vocab = llama_cpp.llama_model_get_vocab(llama.model)
        self._owner: object | None = None
        self._snapshots: OrderedDict[int, SequenceState] = OrderedDict()
        #: n_tokens at which the context's logits are valid (-1: none)
        self._logits_at = -1
        self._piece_cache: dict[int, bytes] = {}
        self._pieces: list[bytes] | None = None
        self._by_piece: dict[bytes, list[int]] = {}
        self.tokens_evaluated_total = 0

    @property
    def name(self) -> str:
        return str(self.llama.model_path)

    @property
    def bos_token(self) -> int:
        return int(self.llama.token_bos())

    @property
    def eos_token(self) -> int:
        return int(self.llama.token_eos())

    # ----------------------------------------------------------------- tokens

    def tokenize(self, text: str, *, special: bool = False) -> list[int]:
        if not text:
            return []
        return list(self.llama.tokenize(text.encode("utf-8"), add_bos=False, special=special))

    def piece(self, token: int, *, special: bool = False) -> bytes:
        """The bytes a token stands for (control tokens: empty unless ``special``)."""
        if not special and self._pieces is not None:
            return self._pieces[token]
        key = token if not special else -1 - token
        cached = self._piece_cache.get(key)
        if cached is None:
            cached = bytes(self.llama.detokenize([token], special=special))
            self._piece_cache[key] = cached
        return cached

    @property
    def pieces(self) -> list[bytes]:
        """Every token's bytes, by id (computed once, on first use)."""
        if self._pieces is None:
            detokenize = self.llama.detokenize
            self._pieces = [bytes(detokenize([i], special=False)) for i in range(self.n_vocab)]
            index: dict[bytes, list[int]] = {}
            for token, piece in enumerate(self._pieces):
                if piece:
                    index.setdefault(piece, []).append(token)
            self._by_piece = index
        return self._pieces

    def prefix_tokens(self, options: Sequence[bytes]) -> list[int]:
        """Tokens whose bytes are a non-empty prefix of one of ``options``."""
        _ = self.pieces
        found: set[int] = set()
        for option in options:
            for k in range(1, len(option) + 1):
                found.update(self._by_piece.get(option[:k], ()))
        return sorted(found)

    def text(self, tokens: Sequence[int], *, special: bool = True) -> str:
        data = bytes(self.llama.detokenize(list(tokens), special=special))
        return data.decode("utf-8", errors="replace")

    def token_id(self, text: str) -> int | None:
        """The id of a special token given by its text, if it is one token in the vocabulary."""
        ids = self.tokenize(text, special=True)
        return ids[0] if len(ids) == 1 else None

    def is_eog(self, token: int) -> bool:
        return bool(self._lib.llama_vocab_is_eog(self._vocab, token))

    def fim_tokens(self) -> tuple[int, int, int] | None:
        """(prefix, suffix, middle) fill-in-the-middle token ids, if the model has them."""
        pre = int(self._lib.llama_vocab_fim_pre(self._vocab))
        suf = int(self._lib.llama_vocab_fim_suf(self._vocab))
        mid = int(self._lib.llama_vocab_fim_mid(self._vocab))
        if min(pre, suf, mid) < 0:
            return None
        return pre, suf, mid

    # ----------------------------------------------------------------- cache

    def cached_tokens(self) -> npt.NDArray[np.intc]:
        return np.asarray(self.llama.input_ids[: self.llama.n_tokens])

    def _common_prefix(self, tokens: Sequence[int]) -> int:
        cached = self.cached_tokens()
        n = min(len(cached), len(tokens))
        if n == 0:
            return 0
        wanted = np.asarray(tokens[:n], dtype=cached.dtype)
        diff = np.nonzero(cached[:n] != wanted)[0]
        return int(diff[0]) if len(diff) else n

    def _switch_owner(self, owner: object, tokens: Sequence[int]) -> None:
        """Snapshot the previous owner's cache; restore ``owner``'s when that saves work."""
        if self._owner is owner:
            return
        previous = self._owner
        if previous is not None and self.llama.n_tokens > 0:
            self._save_snapshot(id(previous))
        self._owner = owner
        snapshot = self._snapshots.get(id(owner))
        if snapshot is None:
            return
        usable = _prefix_len(snapshot.tokens, tokens)
        if usable > self._common_prefix(tokens) + 16:
            self._restore_snapshot(snapshot)

    def save_sequence(self) -> SequenceState:
        """The KV cells of the cache's sequence (no logits copy) and its tokens."""
        ctx = self.llama._ctx.ctx
        size = int(self._lib.llama_state_seq_get_size(ctx, 0))
        buffer = (ctypes.c_uint8 * size)()
        written = int(self._lib.llama_state_seq_get_data(ctx, buffer, size, 0))
        return SequenceState(
            tokens=[int(t) for t in self.cached_tokens()], data=bytes(buffer)[:written]
        )

    def restore_sequence(self, state: SequenceState) -> bool:
        """Load ``state`` into the cache; False (cache emptied) when llama.cpp refuses it."""
        self._owner = None
        return self._restore_snapshot(state)

    def _save_snapshot(self, key: int) -> None:
        self._snapshots[key] = self.save_sequence()
        self._snapshots.move_to_end(key)
        while len(self._snapshots) > MAX_SNAPSHOTS:
            self._snapshots.popitem(last=False)

    def _restore_snapshot(self, snapshot: SequenceState) -> bool:
        ctx = self.llama._ctx.ctx
        self.llama._ctx.kv_cache_seq_rm(0, -1, -1)
        buffer = (ctypes.c_uint8 * len(snapshot.data)).from_buffer_copy(snapshot.data)
        if int(self._lib.llama_state_seq_set_data(ctx, buffer, len(snapshot.data), 0)) == 0:
            log.warning("could not restore a session's cache snapshot; evaluating again")
            self.llama._ctx.kv_cache_seq_rm(0, -1, -1)
            self.llama.n_tokens = 0
            self._logits_at = -1
            return False
        n = len(snapshot.tokens)
        self.llama.input_ids[:n] = snapshot.tokens
        self.llama.n_tokens = n
        self._logits_at = -1
        return True

    def clear(self) -> None:
        """Empty the KV cache and drop every snapshot: the next sync evaluates from the start."""
        self._snapshots.clear()
        self._owner = None
        self.llama.n_tokens = 0  # eval() drops the cache past n_tokens first
        self._logits_at = -1

    def used_outside(self) -> None:
        """llama's own API (``create_completion``) moved the cache: keep its tokens, not its logits."""
        self._owner = None
        self._logits_at = -1

    def forget(self, owner: object) -> None:
        """Drop ``owner``'s snapshot (its session closed)."""
        self._snapshots.pop(id(owner), None)
        if self._owner is owner:
            self._owner = None

    def sync(self, owner: object, tokens: Sequence[int]) -> int:
        """Make the cache hold exactly ``tokens`` with logits for the last one.

        Returns how many tokens were evaluated (0 when the cache already held
        them and the logits are still those of the last token).
        """
        if not tokens:
            raise ValueError("nothing to evaluate")
        if len(tokens) > self.n_ctx:
            raise ContextFullError(len(tokens), self.n_ctx)
        self._switch_owner(owner, tokens)
        keep = self._common_prefix(tokens)
        if keep == len(tokens):
            if self.llama.n_tokens == keep and self._logits_at == keep:
                return 0
            keep -= 1  # the last token again, for its logits
        self.llama.n_tokens = keep  # eval() drops the cache past n_tokens first
        self.llama.eval(list(tokens[keep:]))
        self._logits_at = self.llama.n_tokens
        evaluated = len(tokens) - keep
        self.tokens_evaluated_total += evaluated
        return evaluated

    def close(self) -> None:
        """Free the llama.cpp model and context."""
        self._snapshots.clear()
        close = getattr(self.llama, "close", None)
        if close is not None:
            close()

    def logits(self) -> npt.NDArray[np.float32]:
        """The logits after the last evaluated token (a copy)."""
        pointer = self.llama._ctx.get_logits_ith(-1)
        return np.ctypeslib.as_array(pointer, shape=(self.n_vocab,)).copy()

    def sample(
        self,
        accept: Accept | None,
        temperature: float,
        rng: np.random.Generator,
        allowed: Sequence[int] | None = None,
    ) -> Pick:
        return pick(self.logits(), accept, temperature, rng, allowed)


def _prefix_len(a: Sequence[int], b: Sequence[int]) -> int:
    n = min(len(a), len(b))
    for i in range(n):
        if a[i] != b[i]:
            return i
    return n
