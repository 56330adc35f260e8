"""An engine that borrows another engine's vocabulary and brings its own sampling.

Engines that decide the next token themselves (the training teacher, which
writes a known frame; a noise engine under test) still tokenize and spell
tokens exactly as the real model does: they hold the real engine as ``vocab``
and pass every vocabulary question on to it.
"""

from __future__ import annotations

from collections.abc import Sequence

from cwm_lsp.engine.protocol import Engine


class BorrowedVocabulary:
    """The vocabulary half of :class:`~cwm_lsp.engine.Engine`, answered by ``self.vocab``."""

    vocab: Engine

    def tokenize(self, text: str, *, special: bool = False) -> list[int]:
        return self.vocab.tokenize(text, special=special)

    def piece(self, token: int, *, special: bool = False) -> bytes:
        return self.vocab.piece(token, special=special)

    @property
    def pieces(self) -> list[bytes]:
        return self.vocab.pieces

    def prefix_tokens(self, options: Sequence[bytes]) -> list[int]:
        return self.vocab.prefix_tokens(options)

    def text(self, tokens: Sequence[int], *, special: bool = True) -> str:
        return self.vocab.text(tokens, special=special)

    def token_id(self, text: str) -> int | None:
        return self.vocab.token_id(text)

    def is_eog(self, token: int) -> bool:
        return self.vocab.is_eog(token)

    @property
    def bos_token(self) -> int:
        return self.vocab.bos_token

    @property
    def eos_token(self) -> int:
        return self.vocab.eos_token

    def fim_tokens(self) -> tuple[int, int, int] | None:
        return self.vocab.fim_tokens()
