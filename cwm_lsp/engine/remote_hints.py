"""What a format tells an engine about the tokens it is about to draw.

An in-process engine gives logits one token at a time and needs no hint.
A remote engine pays a round trip per request, so it asks the server for a
run of tokens at once (a *proposal*) and hands them out one by one while they
keep the format's constraint; the first one that does not is replaced by a
single constrained choice.  A format that knows the shape of the next tokens
says so with :func:`guided`: a grammar (GBNF) that every text its constraint
admits also satisfies (so the server's choice under the grammar is the
format's own choice whenever the constraint takes it), how many tokens the
part can take, and the cancel check, so a request in flight can be closed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from cwm_lsp.engine.protocol import ShouldStop

#: The grammar for what may come next from here, given the constraint's current
#: state (None: no grammar says it; the server proposes without one).
GrammarSource = Callable[[], "str | None"]


@dataclass(frozen=True)
class Guidance:
    grammar: GrammarSource | None = None
    max_tokens: int = 32
    should_stop: ShouldStop | None = None
    #: tokens after which the part is over (a server that cannot say a token-level
    #: grammar stops on them: vLLM's ``stop_token_ids``)
    stop_tokens: frozenset[int] = frozenset()


@contextmanager
def guided(
    engine: object,
    grammar: GrammarSource | None,
    *,
    max_tokens: int,
    should_stop: ShouldStop | None = None,
    stop_tokens: frozenset[int] = frozenset(),
) -> Iterator[None]:
    """While the block runs, ``engine`` (if it takes guidance) proposes under ``grammar``."""
    setter = getattr(engine, "guide", None)
    if setter is None:
        yield
        return
    previous = setter(Guidance(grammar, max_tokens, should_stop, stop_tokens))
    try:
        yield
    finally:
        setter(previous)
