"""The remote engine: the engine seam over HTTP, for a model a server hosts.

It fills :class:`~cwm_lsp.engine.protocol.Engine` so the formats, sessions,
hole fills and the evaluation's direct answers run unchanged.  Nothing is
evaluated at :meth:`RemoteEngine.sync`; the token history travels with each
request and the server's prefix cache evaluates only what it does not hold.

A token-by-token engine over HTTP would pay a round trip per token.  Instead,
when a token is asked for, the engine asks the server for a run of them (a
*proposal*, under the grammar the format gave with
:func:`~cwm_lsp.engine.remote_hints.guided`, else none) and hands them out
while each one keeps the format's own constraint.  At temperature 0 that is
exactly the in-process choice: the server's most likely token under a grammar
that admits every text the constraint admits is the constraint's most likely
token whenever the constraint takes it.  The first proposed token the
constraint refuses is replaced by one constrained choice among the server's
top candidates (by raw logits, as :func:`~cwm_lsp.engine.sampling.pick`
tries them), and a new proposal starts after it.  Forced tokens the format
pushes in between make the rest of a proposal stale; it is dropped.

A step costs what it costs in-process: every request evaluates only tokens
the server has not seen.  The server's prefix cache holds the history of the
last request, but when a prompt is entirely cached llama-server still
evaluates its last token again for the logits.  So no request is sent for a
history the server has already evaluated: each proposal brings the server's
top candidates (raw logits) at every position it generated, including the
one after its last token (the position where a grammar that is complete
makes the server end), and the choice there, the refused token's
replacement or the next part's first token, is made from them.  The next
request then starts with that new token.

Confidence comes from the server's probabilities of the raw logits, the same
numbers the in-process engine reports.
"""

from __future__ import annotations

import logging
import math
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from cwm_lsp.engine.protocol import Accept, ContextFullError, NoValidToken, Pick, SequenceState
from cwm_lsp.engine.remote_api import Candidate, Completion, ServerAPI, ServerProps
from cwm_lsp.engine.remote_hints import Guidance
from cwm_lsp.engine.remote_http import RemoteError

log = logging.getLogger(__name__)

#: Candidates (by raw logit) a single constrained choice looks at, then more (as sampling.pick).
CANDIDATE_WIDTHS = (64, 2048)
#: Candidates a proposal brings at each position (a choice there needs no request).
PROPOSAL_CANDIDATES = CANDIDATE_WIDTHS[0]
#: Tokens a proposal asks for when no format said how long the part is.
DEFAULT_PROPOSAL = 16
#: Texts of end-of-generation tokens of common vocabularies, looked up once.
_EOG_TEXTS = (
    "<|endoftext|>",
    "<|im_end|>",
    "<|end_of_text|>",
    "<|eot_id|>",
    "<|eom_id|>",
    "</s>",
    "<|end|>",
    "<|fim_pad|>",
    "<|repo_name|>",
    "<|file_sep|>",
)
_FIM_TEXTS = (
    ("<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>"),
    ("<PRE>", "<SUF>", "<MID>"),
    ("<fim_prefix>", "<fim_suffix>", "<fim_middle>"),
)


class OptionTokens(list[int]):
    """``prefix_tokens(options)`` of a remote vocabulary: the tokens whose bytes are a
    non-empty prefix of one of ``options``, decided per token (the vocabulary is not
    held here).  It lists no ids; membership asks the token's bytes."""

    def __init__(self, options: Sequence[bytes], engine: RemoteEngine) -> None:
        super().__init__()
        self.options = [o for o in options if o]
        self._engine = engine

    def __contains__(self, token: object) -> bool:
        if not isinstance(token, int):
            return False
        piece = self._engine.piece(token)
        return bool(piece) and any(o.startswith(piece) for o in self.options)

    def grammar(self) -> str:
        """A GBNF whose one-token prefixes are exactly these tokens."""
        return "root ::= " + " | ".join(gbnf_literal(o) for o in self.options)


def gbnf_literal(data: bytes) -> str:
    """``data`` as a GBNF string literal (bytes outside printable ASCII escaped)."""
    out = []
    for byte in data:
        char = chr(byte)
        if char in '"\\':
            out.append("\\" + char)
        elif 0x20 <= byte < 0x7F:
            out.append(char)
        else:
            out.append(f"\\x{byte:02X}")
    return '"' + "".join(out) + '"'


@dataclass
class _Proposal:
    owner: int
    base: list[int]
    completion: Completion
    used: int = 0
    #: the server's top candidates (raw logits) after the last proposed token, when
    #: it evaluated that token (it ended on the grammar's end, not on its limit)
    after: list[Candidate] | None = None

    def next_for(self, owner: int, history: Sequence[int]) -> int | None:
        """Where ``history`` stands in the proposal: the index of the proposed token that
        would continue it, ``len(tokens)`` when it holds them all (None: stale)."""
        if owner != self.owner or len(history) < len(self.base):
            return None
        k = len(history) - len(self.base)
        if k > len(self.completion.tokens):
            return None
        if history[: len(self.base)] != self.base:
            return None
        if list(history[len(self.base) :]) != self.completion.tokens[:k]:
            return None
        return k


@dataclass(frozen=True)
class RequestRecord:
    """One completion request: what was sent and what the server says it did."""

    #: prompt tokens sent (the whole history)
    sent: int
    #: of them, the tokens the server had not evaluated for this engine's last request
    new: int
    #: the server's own counters: prompt tokens evaluated, taken from its cache
    evaluated: int
    cached: int
    #: the server's time for the request (prompt and generation)
    seconds: float


@dataclass
class RemoteStats:
    """What the engine asked of the server, for the status, ``cwm.stats`` and the benchmark."""

    requests: int = 0
    proposals: int = 0
    tokens_proposed: int = 0
    tokens_taken: int = 0
    single_choices: int = 0
    #: choices made from a proposal's candidates, with no request
    choices_from_candidates: int = 0
    prompt_evaluated: int = 0
    prompt_cached: int = 0
    server_seconds: float = 0.0
    #: every completion request, in order
    log: list[RequestRecord] = field(default_factory=list)


class RemoteEngine:
    """An :class:`~cwm_lsp.engine.protocol.Engine` whose model runs on a server."""

    def __init__(
        self,
        api: ServerAPI,
        *,
        n_ctx: int,
        n_vocab: int,
        seed: int = 0,
        proposal_tokens: int | None = DEFAULT_PROPOSAL,
        props: ServerProps | None = None,
    ) -> None:
        self.api = api
        #: what /props said when the engine connected
        self.props = props
        self.n_ctx = n_ctx
        self.n_vocab = n_vocab
        self.seed = seed
        #: None: token by token, one request each (no proposals; for measurements)
        self.proposal_tokens = proposal_tokens
        self.stats = RemoteStats()
        self._history: list[int] = []
        self._owner = 0
        self._served: list[int] = []
        #: the tokens the server evaluated in the last request: its prompt and every
        #: generated token but the last (sampled, never evaluated)
        self._evaluated: list[int] = []
        self._proposal: _Proposal | None = None
        self._guidance: Guidance | None = None
        self._pieces: dict[int, bytes] = {}
        self._special: dict[int, bytes] = {}
        self._tokenized: OrderedDict[tuple[str, bool], list[int]] = OrderedDict()
        self._eog: set[int] | None = None
        self._bos: int | None = None
        self._eos: int | None = None

    @property
    def name(self) -> str:
        return self.api.client.base_url

    # ----------------------------------------------------------------- vocabulary

    def tokenize(self, text: str, *, special: bool = False) -> list[int]:
        if not text:
            return []
        key = (text, special)
        cached = self._tokenized.get(key)
        if cached is not None:
            self._tokenized.move_to_end(key)
            return list(cached)
        pairs = self.api.tokenize(text, special=special)
        ids = [token for token, _ in pairs]
        for token, piece in pairs:
            if not piece:
                continue  # the server did not say (vLLM): asked for when needed
            if special:
                self._special.setdefault(token, piece)
            else:
                self._pieces.setdefault(token, piece)
        self._tokenized[key] = ids
        while len(self._tokenized) > 4096:
            self._tokenized.popitem(last=False)
        return list(ids)

    def piece(self, token: int, *, special: bool = False) -> bytes:
        """The bytes a token stands for (control tokens: empty unless ``special``)."""
        if not special:
            known = self._pieces.get(token)
            if known is not None:
                return known
            text = self._special_piece(token)
            # A control token's text does not tokenize back to it without special parsing.
            plain = self.api.tokenize(text.decode("utf-8", errors="replace"), special=False)
            piece = text if [t for t, _ in plain] == [token] else b""
            self._pieces[token] = piece
            return piece
        known = self._pieces.get(token)
        if known:
            return known
        return self._special_piece(token)

    def _special_piece(self, token: int) -> bytes:
        known = self._special.get(token)
        if known is None:
            known = self.api.detokenize([token]).encode("utf-8")
            self._special[token] = known
        return known

    @property
    def pieces(self) -> list[bytes]:
        raise NotImplementedError("a remote engine does not hold the whole vocabulary")

    def prefix_tokens(self, options: Sequence[bytes]) -> list[int]:
        return OptionTokens(options, self)

    def text(self, tokens: Sequence[int], *, special: bool = True) -> str:
        data = b"".join(self.piece(t, special=special) for t in tokens)
        return data.decode("utf-8", errors="replace")

    def token_id(self, text: str) -> int | None:
        ids = self.tokenize(text, special=True)
        return ids[0] if len(ids) == 1 else None

    def _single(self, text: str) -> int | None:
        if not text:
            return None
        try:
            return self.token_id(text)
        except RemoteError:
            return None

    def _end_tokens(self) -> set[int]:
        if self._eog is None:
            props = self.props or self.api.props()
            found = {self._single(props.eos_text)} | {self._single(t) for t in _EOG_TEXTS}
            self._eog = {t for t in found if t is not None}
            self._eos = self._single(props.eos_text)
            self._bos = self._single(props.bos_text)
        return self._eog

    def is_eog(self, token: int) -> bool:
        return token in self._end_tokens()

    @property
    def bos_token(self) -> int:
        self._end_tokens()
        return self._bos if self._bos is not None else -1

    @property
    def eos_token(self) -> int:
        self._end_tokens()
        return self._eos if self._eos is not None else -1

    def fim_tokens(self) -> tuple[int, int, int] | None:
        for texts in _FIM_TEXTS:
            ids = [self._single(t) for t in texts]
            if all(i is not None for i in ids):
                pre, suf, mid = ids
                assert pre is not None and suf is not None and mid is not None
                return pre, suf, mid
        return None

    # ----------------------------------------------------------------- guidance

    def guide(self, guidance: Guidance | None) -> Guidance | None:
        """Set what the next proposals are drawn under; returns what was set before."""
        previous, self._guidance = self._guidance, guidance
        return previous

    # ----------------------------------------------------------------- evaluation

    def sync(self, owner: object, tokens: Sequence[int]) -> int:
        """Remember ``tokens`` as ``owner``'s history; the next request sends it.

        Returns the tokens the server will have to evaluate past what it last
        held for this engine (its own counts arrive with each answer, in
        :attr:`stats`).
        """
        if not tokens:
            raise ValueError("nothing to evaluate")
        if len(tokens) > self.n_ctx:
            raise ContextFullError(len(tokens), self.n_ctx)
        self._owner = id(owner)
        self._history = list(tokens)
        return len(tokens) - _common_prefix(self._evaluated, tokens)

    def sample(
        self,
        accept: Accept | None,
        temperature: float,
        rng: np.random.Generator,
        allowed: Sequence[int] | None = None,
    ) -> Pick:
        history = self._history
        if not history:
            raise ValueError("sample before sync")

        def ok(token: int) -> bool:
            if allowed is not None:
                return token in allowed
            return accept is None or accept(token)

        proposal = self._proposal
        k = proposal.next_for(self._owner, history) if proposal is not None else None
        if proposal is not None and k is not None and k == len(proposal.completion.tokens):
            # The server evaluated the whole history already: choose from what it said
            # came next rather than ask again (it would evaluate the last token again).
            self._proposal = None
            chosen = self._from_candidates(proposal.after, ok, temperature, rng)
            if chosen is not None:
                return chosen
            proposal, k = None, None
        if proposal is None or k is None:
            if self.proposal_tokens is not None:
                proposal = self._propose(history, temperature)
                k = 0 if proposal.completion.tokens else None
            else:
                proposal, k = None, None
        if proposal is not None and k is not None:
            token = proposal.completion.tokens[k]
            if ok(token):
                self.stats.tokens_taken += 1
                return Pick(token, proposal.completion.probs[k])
            # Refused: the replacement is the constrained choice among the candidates the
            # server gave at this very position (the same raw logits a request would get).
            top = proposal.completion.top
            self._proposal = None
            chosen = self._from_candidates(top[k] if k < len(top) else None, ok, temperature, rng)
            if chosen is not None:
                return chosen
        self._proposal = None
        return self._choose(history, ok, allowed, temperature, rng)

    def _from_candidates(
        self,
        candidates: Sequence[Candidate] | None,
        ok: Accept,
        temperature: float,
        rng: np.random.Generator,
    ) -> Pick | None:
        """The constrained choice among a proposal's candidates at one position.

        Only when the server sent as many as a single choice looks at: fewer means
        it had no more to send (a tiny vocabulary) or was not asked for them.
        """
        if not candidates or len(candidates) < PROPOSAL_CANDIDATES:
            return None
        chosen = _pick_candidate(candidates, ok, temperature, rng)
        if chosen is not None:
            self.stats.choices_from_candidates += 1
        return chosen

    def _request(
        self,
        prompt: Sequence[int],
        *,
        n_predict: int,
        temperature: float,
        grammar: str | None,
        n_probs: int,
    ) -> Completion:
        guidance = self._guidance
        should_stop = guidance.should_stop if guidance is not None else None
        new = len(prompt) - _common_prefix(self._evaluated, prompt)
        self._evaluated = []  # unknown until the answer says
        completion = self.api.complete(
            prompt,
            n_predict=n_predict,
            temperature=temperature,
            seed=self.seed,
            grammar=grammar,
            n_probs=n_probs,
            should_stop=should_stop,
            stop_tokens=guidance.stop_tokens if guidance is not None else (),
        )
        self.stats.requests += 1
        self.stats.prompt_evaluated += completion.prompt_evaluated
        self.stats.prompt_cached += completion.prompt_cached
        self.stats.server_seconds += completion.seconds
        self.stats.log.append(
            RequestRecord(
                sent=len(prompt),
                new=new,
                evaluated=completion.prompt_evaluated,
                cached=completion.prompt_cached,
                seconds=completion.seconds,
            )
        )
        # Bytes the server sent (none from vLLM, whose pieces are asked for when needed).
        for token, piece in zip(completion.tokens, completion.pieces, strict=True):
            if piece:
                self._pieces.setdefault(token, piece)
        for row in completion.top:
            for candidate in row:
                if candidate.piece:
                    self._pieces.setdefault(candidate.token, candidate.piece)
        self._served = [*prompt, *completion.tokens]
        self._evaluated = [*prompt, *completion.tokens[:-1]]
        return completion

    def _propose(self, history: list[int], temperature: float) -> _Proposal:
        guidance = self._guidance
        grammar = guidance.grammar() if guidance is not None and guidance.grammar else None
        n_predict = guidance.max_tokens if guidance is not None else self.proposal_tokens or 1
        if grammar is None:  # nothing says where the part ends: do not run far past it
            n_predict = min(n_predict, self.proposal_tokens or 1)
        completion = self._request(
            history,
            n_predict=max(1, n_predict),
            temperature=temperature,
            grammar=grammar,
            n_probs=PROPOSAL_CANDIDATES,
        )
        after = None
        if (
            grammar is not None
            and len(completion.tokens) > 1
            and self.is_eog(completion.tokens[-1])
        ):
            # Once its grammar is complete the server may only end: that token is the
            # grammar's, not the model's choice.  The candidates there are the model's
            # for what follows the last real token.
            completion.tokens.pop()
            completion.probs.pop()
            completion.pieces.pop()
            if len(completion.top) > len(completion.tokens):
                after = completion.top.pop()
        self.stats.proposals += 1
        self.stats.tokens_proposed += len(completion.tokens)
        proposal = _Proposal(self._owner, list(history), completion, after=after)
        self._proposal = proposal
        return proposal

    def _choose(
        self,
        history: list[int],
        ok: Accept,
        allowed: Sequence[int] | None,
        temperature: float,
        rng: np.random.Generator,
    ) -> Pick:
        """One token under the constraint, from the server's top candidates by raw logit."""
        self.stats.single_choices += 1
        if isinstance(allowed, OptionTokens):
            # The options say exactly which tokens may come: a grammar of them is exact.
            completion = self._request(
                history, n_predict=1, temperature=temperature, grammar=allowed.grammar(), n_probs=1
            )
            if completion.tokens and ok(completion.tokens[0]):
                return Pick(completion.tokens[0], completion.probs[0])
            raise NoValidToken("no token satisfies the constraint")
        for width in CANDIDATE_WIDTHS:
            completion = self._request(
                history, n_predict=1, temperature=0.0, grammar=None, n_probs=width
            )
            candidates = completion.top[0] if completion.top else []
            chosen = _pick_candidate(candidates, ok, temperature, rng)
            if chosen is not None:
                return chosen
            if len(candidates) < width:
                break
        raise NoValidToken("no token among the server's top candidates satisfies the constraint")

    # ----------------------------------------------------------------- sequences

    def save_sequence(self) -> SequenceState:
        """The history the server's prefix cache holds (the cache itself stays there)."""
        return SequenceState(tokens=list(self._served), data=b"")

    def restore_sequence(self, state: SequenceState) -> bool:
        self._history = list(state.tokens)
        self._proposal = None
        return True

    def forget(self, owner: object) -> None:
        if self._proposal is not None and self._proposal.owner == id(owner):
            self._proposal = None

    def clear(self) -> None:
        self._proposal = None
        self._served = []
        self._evaluated = []

    def close(self) -> None:
        self._proposal = None
        self.api.client.close()


def _common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    n = min(len(a), len(b))
    return next((i for i in range(n) if a[i] != b[i]), n)


def _pick_candidate(
    candidates: Sequence[Candidate], ok: Accept, temperature: float, rng: np.random.Generator
) -> Pick | None:
    """The best (temperature 0) or a sampled candidate that ``ok`` admits, by raw logit order."""
    ordered = sorted(candidates, key=lambda c: -c.logprob)
    if temperature <= 0:
        for candidate in ordered:
            if ok(candidate.token):
                return Pick(candidate.token, math.exp(candidate.logprob))
        return None
    admitted = [c for c in ordered if ok(c.token)]
    if not admitted:
        return None
    scaled = np.array([c.logprob for c in admitted]) / temperature
    weights = np.exp(scaled - scaled.max())
    weights /= weights.sum()
    chosen = admitted[int(rng.choice(len(admitted), p=weights))]
    return Pick(chosen.token, math.exp(chosen.logprob))
