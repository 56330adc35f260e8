"""The direct-answer baseline: the model asked for ``f(input)``'s value with no trace.

CRUXEval-O style: a few solved ``assert f(...) == ??`` examples, then the
question; the answer is read up to the end of its line.  For chat models
(the generic format) the prompt is wrapped in ChatML with the assistant's
answer begun, so the model only has to write the value.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

INSTRUCTION = (
    "You are given a Python function and an assertion containing an input to the "
    "function. Complete the assertion with a literal (no unsimplified expressions, no "
    "function calls) containing the output when executing the provided code on the given "
    "input, even if the function is incorrect or incomplete."
)

#: Solved examples shown before the question (code, input, output).
EXAMPLES: tuple[tuple[str, str, str], ...] = (
    ("def f(s):\n    return s + 'a'", "'x9j'", "'x9ja'"),
    (
        "def f(nums):\n    out = []\n    for n in nums:\n        if n % 2 == 0:\n"
        "            out.append(n * 3)\n    return out",
        "[1, 2, 3, 4]",
        "[6, 12]",
    ),
)

STOPS = ("\n", "[/ANSWER]", "<|im_end|>", "<|endoftext|>")


@dataclass(frozen=True)
class Completion:
    text: str
    tokens: int


class Completer(Protocol):
    """Plain text completion from the loaded model (no trace format)."""

    def __call__(
        self, prompt: str, *, max_tokens: int, temperature: float, stop: Sequence[str], seed: int
    ) -> Completion: ...


@dataclass(frozen=True)
class DirectAnswer:
    #: the predicted output's repr (None when the model wrote nothing usable)
    predicted: str | None
    raw: str
    tokens: int
    seconds: float


def _question(code: str, call: str) -> str:
    return f"[PYTHON]\n{code.rstrip()}\nassert {call} == ??\n[/PYTHON]\n"


def _solved(code: str, call: str, output: str) -> str:
    return _question(code, call) + f"[ANSWER]\nassert {call} == {output}\n[/ANSWER]\n"


def direct_prompt(code: str, function: str, args: str, *, chat: bool = True) -> str:
    """The prompt; it ends right after ``assert f(args) == `` so the model writes the value."""
    call = f"{function}({args})"
    shots = "\n".join(_solved(c, f"f({i})", o) for c, i, o in EXAMPLES)
    body = f"{INSTRUCTION}\n\n{shots}\n{_question(code, call)}"
    answer_start = f"[ANSWER]\nassert {call} == "
    if not chat:
        return body + answer_start
    return (
        "<|im_start|>system\nYou are an expert Python programmer.<|im_end|>\n"
        f"<|im_start|>user\n{body}<|im_end|>\n"
        f"<|im_start|>assistant\n{answer_start}"
    )


def parse_answer(text: str) -> str | None:
    """The value the model wrote: its first line, without tags; None when empty."""
    for stop in STOPS:
        text = text.split(stop, 1)[0]
    text = text.strip()
    return text or None


def answer_directly(
    complete: Completer,
    code: str,
    function: str,
    args: str,
    *,
    chat: bool = True,
    temperature: float = 0.0,
    seed: int = 0,
    max_tokens: int = 128,
) -> DirectAnswer:
    """Ask for ``function(args)``'s value with no trace."""
    started = time.perf_counter()
    prompt = direct_prompt(code, function, args, chat=chat)
    result = complete(
        prompt, max_tokens=max_tokens, temperature=temperature, stop=list(STOPS), seed=seed
    )
    return DirectAnswer(
        predicted=parse_answer(result.text),
        raw=result.text,
        tokens=result.tokens,
        seconds=time.perf_counter() - started,
    )
