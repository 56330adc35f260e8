"""The engine seam: what the prompt formats, sessions and hole fills ask of an inference engine.

An engine holds one model's vocabulary and a cache of evaluated tokens that
several users (sessions, each a :class:`~cwm_lsp.engine.decoder.Decoder`)
share.  A user names the exact token history it needs evaluated
(:meth:`Engine.sync`), then asks for the next token under a constraint
(:meth:`Engine.sample`).  The in-process llama.cpp engine
(:class:`~cwm_lsp.engine.llama.LlamaEngine`) fills it; an HTTP client for a
remote server can fill it without touching the formats.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import numpy as np

#: A constraint on candidate token ids: True for a token that may come next.
Accept = Callable[[int], bool]
#: Checked between tokens by long calls; True ends them early.
ShouldStop = Callable[[], bool]


class ModelLoadError(Exception):
    """A model could not be loaded; the message names the path and the cause.

    ``transient``: the cause may pass by itself (a server that is not up yet,
    or answers 503 while it loads), so loading again later may succeed.
    """

    def __init__(self, path: str, cause: str, *, transient: bool = False) -> None:
        super().__init__(f"cannot load model {path}: {cause}")
        self.path = path
        self.cause = cause
        self.transient = transient


class NoValidToken(RuntimeError):
    """No token of the vocabulary satisfies the constraint."""


class ContextFullError(RuntimeError):
    """The token history does not fit the engine's context."""

    def __init__(self, needed: int, n_ctx: int) -> None:
        super().__init__(f"the trace needs {needed} tokens but the context holds {n_ctx}")
        self.needed = needed
        self.n_ctx = n_ctx


@dataclass
class Pick:
    """A sampled token and the model's probability for it (before the constraint)."""

    token: int
    prob: float


@dataclass
class SequenceState:
    """An evaluated token sequence's cache, saved to be restored later (or elsewhere)."""

    tokens: list[int]
    data: bytes


class Engine(Protocol):
    """One loaded model: its vocabulary, a shared token cache, sampling under constraints."""

    #: vocabulary size and context length in tokens
    n_vocab: int
    n_ctx: int

    @property
    def name(self) -> str:
        """What the engine serves (a file path or an endpoint), for messages."""
        ...

    # -- vocabulary -------------------------------------------------------------------

    def tokenize(self, text: str, *, special: bool = False) -> list[int]: ...

    def piece(self, token: int, *, special: bool = False) -> bytes:
        """The bytes a token stands for (control tokens: empty unless ``special``)."""
        ...

    @property
    def pieces(self) -> list[bytes]:
        """Every token's bytes, by id."""
        ...

    def prefix_tokens(self, options: Sequence[bytes]) -> list[int]:
        """Tokens whose bytes are a non-empty prefix of one of ``options``."""
        ...

    def text(self, tokens: Sequence[int], *, special: bool = True) -> str:
        """Detokenize ``tokens``."""
        ...

    def token_id(self, text: str) -> int | None:
        """The id of a special token given by its text, if it is one token."""
        ...

    def is_eog(self, token: int) -> bool: ...

    @property
    def bos_token(self) -> int: ...

    @property
    def eos_token(self) -> int: ...

    def fim_tokens(self) -> tuple[int, int, int] | None:
        """(prefix, suffix, middle) fill-in-the-middle token ids, if the model has them."""
        ...

    # -- evaluation and sampling -------------------------------------------------------

    def sync(self, owner: object, tokens: Sequence[int]) -> int:
        """Evaluate ``tokens`` for ``owner`` (past what the cache already holds).

        Returns how many tokens were evaluated; afterwards :meth:`sample`
        continues ``tokens``.
        """
        ...

    def sample(
        self,
        accept: Accept | None,
        temperature: float,
        rng: np.random.Generator,
        allowed: Sequence[int] | None = None,
    ) -> Pick:
        """The next token after the last sync: the most likely (temperature 0) or a sample.

        Only tokens ``accept`` admits (or, when given, exactly ``allowed``)
        are candidates; raises :class:`NoValidToken` when none is.
        """
        ...

    # -- sequences -----------------------------------------------------------------------

    def save_sequence(self) -> SequenceState:
        """The cache's current sequence, to be restored later."""
        ...

    def restore_sequence(self, state: SequenceState) -> bool:
        """Make the cache hold ``state``; False (and an empty cache) when it cannot."""
        ...

    def forget(self, owner: object) -> None:
        """Drop what the engine keeps for ``owner`` (its session closed)."""
        ...

    def clear(self) -> None:
        """Empty the cache: the next sync evaluates from the start."""
        ...

    def close(self) -> None:
        """Free the model."""
        ...
