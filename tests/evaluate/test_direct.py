"""The direct-answer baseline's prompt and answer reading."""

from __future__ import annotations

from collections.abc import Sequence

from cwm_lsp.evaluate.direct import Completion, answer_directly, direct_prompt, parse_answer


def test_the_prompt_ends_where_the_value_goes() -> None:
    prompt = direct_prompt("def f(a, b):\n    return a", "f", "'x', 2")

    assert prompt.endswith("[ANSWER]\nassert f('x', 2) == ")
    assert "assert f('x', 2) == ??" in prompt
    assert prompt.startswith("<|im_start|>system")


def test_the_raw_prompt_has_no_chat_template() -> None:
    prompt = direct_prompt("def f(a):\n    return a", "f", "1", chat=False)

    assert "<|im_start|>" not in prompt
    assert prompt.endswith("assert f(1) == ")


def test_the_answer_is_the_first_line_without_tags() -> None:
    assert parse_answer(" [1, 2]\n[/ANSWER]") == "[1, 2]"
    assert parse_answer("'ab'[/ANSWER]") == "'ab'"
    assert parse_answer("\n") is None


def test_answering_sends_the_prompt_and_reads_the_value() -> None:
    seen: list[tuple[str, int, float, Sequence[str], int]] = []

    def complete(
        prompt: str, *, max_tokens: int, temperature: float, stop: Sequence[str], seed: int
    ) -> Completion:
        seen.append((prompt, max_tokens, temperature, stop, seed))
        return Completion(text="(4, 1)\n", tokens=5)

    answer = answer_directly(complete, "def f(n):\n    return n", "f", "3", temperature=0.5, seed=7)

    assert answer.predicted == "(4, 1)"
    assert answer.tokens == 5
    assert seen[0][0].endswith("assert f(3) == ")
    assert seen[0][2:] == (0.5, list(seen[0][3]), 7)
    assert "\n" in seen[0][3]
