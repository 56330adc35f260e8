"""Candidates for a ``??`` hole, from the model's fill-in-the-middle tokens.

With FIM tokens (Qwen2.5-Coder: ``<|fim_prefix|>``, ``<|fim_suffix|>``,
``<|fim_middle|>``) the model sees the code on both sides of the hole;
without them it continues the code before the hole.  The first candidate is
the greedy one, the others are sampled; only distinct candidates that parse
when put in the hole are kept.  A hole alone on its line takes a statement,
any other hole an expression; either way one line.
"""

from __future__ import annotations

import ast
import math
import textwrap

from cwm_lsp.engine import Engine, NoValidToken
from cwm_lsp.engine.decoder import Decoder
from cwm_lsp.formats.base import Cancelled
from cwm_lsp.model.api import HoleFill, ShouldStop

MAX_TOKENS = 48
SAMPLE_TEMPERATURE = 0.8


def is_statement_hole(source: str, start: int, end: int) -> bool:
    line_start = source.rfind("\n", 0, start) + 1
    line_end = source.find("\n", end)
    line_end = len(source) if line_end == -1 else line_end
    return not source[line_start:start].strip() and not source[end:line_end].strip()


def _enclosing_function(lines: list[str], line_index: int) -> tuple[int, int] | None:
    """(first, last) line indexes of the def around ``line_index``, by indentation."""

    def indent(text: str) -> int:
        return len(text) - len(text.lstrip())

    here = indent(lines[line_index]) if lines[line_index].strip() else 10**6
    for i in range(line_index, -1, -1):
        text = lines[i]
        if not text.lstrip().startswith(("def ", "async def ")):
            continue
        if i != line_index and indent(text) >= here:
            continue
        last = i
        for j in range(i + 1, len(lines)):
            if lines[j].strip() and indent(lines[j]) <= indent(text):
                break
            last = j
        return i, last
    return None


def parses_in_place(source: str, start: int, end: int, text: str) -> bool:
    """Whether the file (or, if the rest of the file does not parse, the enclosing
    function) parses with ``text`` in the hole."""
    filled = source[:start] + text + source[end:]
    placeholder = "pass" if is_statement_hole(source, start, end) else "None"
    rest_parses = _parses(source[:start] + placeholder + source[end:])
    if rest_parses:
        return _parses(filled)
    lines = filled.splitlines()
    line_index = filled.count("\n", 0, start)
    span = _enclosing_function(lines, line_index)
    if span is None:
        return False
    segment = textwrap.dedent("\n".join(lines[span[0] : span[1] + 1]))
    return _parses(segment)


def _parses(text: str) -> bool:
    try:
        ast.parse(text)
    except (SyntaxError, ValueError):
        return False
    return True


def _clean(text: str) -> str:
    return text.split("\n", 1)[0].strip()


def fill_hole(
    engine: Engine,
    source: str,
    start: int,
    end: int,
    *,
    n: int = 3,
    should_stop: ShouldStop | None = None,
) -> list[HoleFill]:
    """Up to ``n`` distinct candidates for ``source[start:end]``, best first."""
    prefix, suffix = source[:start], source[end:]
    fim = engine.fim_tokens()
    decoder = Decoder(engine, temperature=0.0, seed=start)
    try:
        if fim is not None:
            pre, suf, mid = fim
            prompt = [pre, *engine.tokenize(prefix), suf, *engine.tokenize(suffix), mid]
        else:
            prompt = engine.tokenize(prefix)
        if not prompt:
            return []
        fills: list[HoleFill] = []
        seen: set[str] = set()
        attempts = max(3 * n, 4)
        for attempt in range(attempts):
            if len(fills) >= n:
                break
            decoder.temperature = 0.0 if attempt == 0 else SAMPLE_TEMPERATURE
            decoder.truncate(0)
            decoder.push(prompt)
            logs: list[float] = []
            for _ in range(MAX_TOKENS):
                if should_stop is not None and should_stop():
                    raise Cancelled
                chosen = decoder.next()
                if engine.is_eog(chosen.token):
                    break
                piece = engine.piece(chosen.token)
                logs.append(math.log(max(chosen.prob, 1e-12)))
                if b"\n" in piece:
                    break
            text = _clean(engine.text(decoder.tokens[len(prompt) :], special=False))
            if not text or text in seen:
                continue
            seen.add(text)
            if not parses_in_place(source, start, end, text):
                continue
            confidence = math.exp(sum(logs) / len(logs)) if logs else 0.0
            kind = "statement" if is_statement_hole(source, start, end) else "expression"
            fills.append(HoleFill(text=text, confidence=confidence, extra={"kind": kind}))
        return sorted(fills, key=lambda f: (f is not fills[0], -f.confidence)) if fills else []
    except (Cancelled, NoValidToken):
        return []
    finally:
        decoder.close()
