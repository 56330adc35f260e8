"""The generic text format: rendering and parsing frames, and honest few-shot examples."""

from __future__ import annotations

import pytest

from cwm_lsp.formats.fewshot import EXAMPLE_SOURCE, EXAMPLES
from cwm_lsp.formats.generic_text import FrameTextError, parse_frame, render_frames


def test_frames_render_as_one_line_each_with_only_changed_locals() -> None:
    _, _, frames = EXAMPLES[1]
    text = render_frames(frames[:8]).splitlines()
    assert text[0] == "call {nums=[3, 1]} 13: def sum_squares(nums):"
    assert text[2] == "line {total=0} 15:     for v in nums:"
    assert text[4] == "call {x=3} 9: def square(x):"
    assert text[6] == "return 10:     return x * x => 9"
    assert text[7] == "line {total=9} 15:     for v in nums:"


def test_a_propagating_exception_returns_without_a_value() -> None:
    lines = render_frames(EXAMPLES[2][2]).splitlines()
    assert lines[3].startswith("exception 22:         q = a // b => ZeroDivisionError(")


@pytest.mark.parametrize("function, args, frames", EXAMPLES)
def test_every_rendered_example_frame_parses_back(function: str, args: str, frames: list) -> None:  # type: ignore[type-arg]
    lines = EXAMPLE_SOURCE.splitlines()
    for text in render_frames(frames).splitlines():
        parsed = parse_frame(text, lambda n: lines[n - 1].rstrip())
        assert parsed.source == lines[parsed.line - 1].rstrip()


def test_values_with_commas_braces_and_arrows_parse() -> None:
    parsed = parse_frame("line {s='a, }', d={1: [2, 3]}} 4:     x = 1")
    assert parsed.delta == {"s": "'a, }'", "d": "{1: [2, 3]}"}
    value = parse_frame("return 2:     return ' => ' => 'x => y'", lambda n: "    return ' => '")
    assert value.value == "'x => y'"


@pytest.mark.parametrize(
    "text", ["line {x=} 3: y", "line {x=[1} 3: y", "hello", "return 3: x =>  ", "line {1=2} 3: y"]
)
def test_malformed_frames_raise_frame_text_error(text: str) -> None:
    with pytest.raises(FrameTextError):
        parse_frame(text)


@pytest.mark.parametrize("function, args, frames", EXAMPLES)
def test_the_few_shot_traces_are_what_the_real_tracer_records(
    function: str,
    args: str,
    frames: list,
    tmp_path,  # type: ignore[no-untyped-def, type-arg]
) -> None:
    tracer = pytest.importorskip("cwm_lsp.trace.tracer")
    path = tmp_path / "examples.py"
    path.write_text(EXAMPLE_SOURCE)
    real = tracer.trace_call(path=str(path), function=function, args=args)
    got = [(f.event, f.line, dict(f.locals), f.value) for f in real.frames]
    want = [(f.event, f.line, dict(f.locals), f.value) for f in frames]
    assert got == want
