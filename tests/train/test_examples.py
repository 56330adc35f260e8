"""Training examples are token for token what inference holds, and mark what it generates.

On hand-made traces, the example's ids decode to exactly the generic
format's prompt and frame text, and the tokens marked "generated" spell
exactly the parts the model writes at inference (shown between ⟦ ⟧ below):
an event when more than one can come next, the changed locals, a line number
when more than one line can run, a returned value.  Forced parts are never
marked: the prompt and the entry call, the source after the number, a loop's
next item read off the state, the value of ``return name``.
"""

from __future__ import annotations

from typing import Any

import pytest

from cwm_lsp.formats.generic import fewshot_prompt
from cwm_lsp.formats.generic_text import HEADER, numbered_listing, render_frames
from cwm_lsp.trace import Frame, Trace
from cwm_lsp.train.examples import Example, Skipped, build_example, writable_frames
from cwm_lsp.train.teacher import TeacherEngine

LOOP_SOURCE = """\
def f(n):
    total = 0
    for i in range(n):
        total += i + 1
    return total
"""
LOOP_LINES = LOOP_SOURCE.splitlines()
LOOP_FRAMES = [
    Frame("call", 1, LOOP_LINES[0], {"n": "2"}),
    Frame("line", 2, LOOP_LINES[1], {"n": "2"}),
    Frame("line", 3, LOOP_LINES[2], {"n": "2", "total": "0"}),
    Frame("line", 4, LOOP_LINES[3], {"n": "2", "total": "0", "i": "0"}),
    Frame("line", 3, LOOP_LINES[2], {"n": "2", "total": "1", "i": "0"}),
    Frame("line", 4, LOOP_LINES[3], {"n": "2", "total": "1", "i": "1"}),
    Frame("line", 3, LOOP_LINES[2], {"n": "2", "total": "3", "i": "1"}),
    Frame("line", 5, LOOP_LINES[4], {"n": "2", "total": "3", "i": "1"}),
    Frame("return", 5, LOOP_LINES[4], value="3"),
]
LOOP_MARKED = """\
call {n=2} 1: def f(n):
line {⟦} ⟧2:     total = 0
⟦line⟧ {⟦total=0} ⟧3:     for i in range(n):
line {i=0} 4:         total += i + 1
⟦line⟧ {⟦total=1} ⟧3:     for i in range(n):
line {i=1} 4:         total += i + 1
⟦line⟧ {⟦total=3} ⟧3:     for i in range(n):
line {⟦} ⟧5:     return total
⟦return⟧ 5:     return total => 3
"""

BRANCH_SOURCE = """\
def g(x):
    if x > 1:
        y = x * 2
    else:
        y = 0
    return y + 1
"""
BRANCH_LINES = BRANCH_SOURCE.splitlines()
BRANCH_FRAMES = [
    Frame("call", 1, BRANCH_LINES[0], {"x": "3"}),
    Frame("line", 2, BRANCH_LINES[1], {"x": "3"}),
    Frame("line", 3, BRANCH_LINES[2], {"x": "3"}),
    Frame("line", 6, BRANCH_LINES[5], {"x": "3", "y": "6"}),
    Frame("return", 6, BRANCH_LINES[5], value="7"),
]
BRANCH_MARKED = """\
call {x=3} 1: def g(x):
line {⟦} ⟧2:     if x > 1:
⟦line⟧ {⟦} 3:⟧         y = x * 2
⟦line⟧ {⟦y=6} ⟧6:     return y + 1
⟦return⟧ 6:     return y + 1 => ⟦7
⟧"""


def row(source: str, function: str, args: str, frames: list[Frame]) -> dict[str, Any]:
    trace = Trace(frames=frames, function=function, args=args)
    return {
        "id": f"hand-{function}",
        "origin": "generated",
        "source": source,
        "function": function,
        "args": args,
        "trace": trace.to_json(),
    }


def marked(example: Example, vocab: Any) -> str:
    """The example's text with every run of generated tokens between ⟦ ⟧."""
    out: list[str] = []
    mask = example.mask
    data = b""
    inside = False
    for token, generated in zip(example.ids, mask, strict=True):
        if generated != inside:
            out.append(data.decode())
            out.append("⟦" if generated else "⟧")
            data, inside = b"", generated
        data += vocab.piece(token)
    out.append(data.decode())
    if inside:
        out.append("⟧")
    return "".join(out)


def prompt_text(source: str, call: str, *, fewshot: bool) -> str:
    head = fewshot_prompt() if fewshot else HEADER
    return f"{head}\n### File\n{numbered_listing(source.splitlines())}### Trace\n>>> {call}\n"


@pytest.fixture(scope="module")
def teacher(tiny_vocab: Any) -> TeacherEngine:
    return TeacherEngine(tiny_vocab)


@pytest.mark.parametrize("fewshot", [False, True])
@pytest.mark.parametrize(
    ("source", "function", "args", "frames", "expected"),
    [
        (LOOP_SOURCE, "f", "2", LOOP_FRAMES, LOOP_MARKED),
        (BRANCH_SOURCE, "g", "3", BRANCH_FRAMES, BRANCH_MARKED),
    ],
    ids=["loop", "branch"],
)
def test_the_ids_are_the_inference_text_and_the_mask_is_what_the_model_writes(
    teacher: TeacherEngine,
    tiny_vocab: Any,
    source: str,
    function: str,
    args: str,
    frames: list[Frame],
    expected: str,
    fewshot: bool,
) -> None:
    example = build_example(row(source, function, args, frames), teacher, fewshot=fewshot)
    assert isinstance(example, Example), example
    assert example.complete and not example.note
    prompt = prompt_text(source, f"{function}({args})", fewshot=fewshot)
    text = tiny_vocab.text(example.ids, special=False)
    assert text == prompt + render_frames(frames)
    annotated = marked(example, tiny_vocab)
    assert annotated.startswith(prompt)  # nothing of the prompt or the entry call is generated
    assert annotated[len(prompt) :] == expected
    assert example.generated == sorted(example.generated)


def test_a_frame_the_format_cannot_write_cuts_the_example_before_it(
    teacher: TeacherEngine,
) -> None:
    wrong = [*LOOP_FRAMES[:3], Frame("line", 5, LOOP_LINES[4], dict(LOOP_FRAMES[2].locals))]
    example = build_example(row(LOOP_SOURCE, "f", "2", wrong), teacher)
    assert isinstance(example, Example)
    assert (example.frames, example.total_frames) == (3, 4)
    assert not example.complete and example.note.startswith("frame 3:")
    assert example.generated and max(example.generated) < len(example.ids)


def test_inputs_that_bind_otherwise_than_the_real_call_give_no_example(
    teacher: TeacherEngine,
) -> None:
    frames = [Frame("call", 1, LOOP_LINES[0], {"n": "5"}), *LOOP_FRAMES[1:]]
    skipped = build_example(row(LOOP_SOURCE, "f", "2", frames), teacher)
    assert isinstance(skipped, Skipped)


def test_comprehension_frames_are_left_out_as_the_format_never_writes_them() -> None:
    lines = ["def h(s):", "    return [c for c in s]"]
    frames = [
        Frame("call", 1, lines[0], {"s": "'ab'"}),
        Frame("line", 2, lines[1], {"s": "'ab'"}),
        Frame("call", 2, lines[1], {}),
        Frame("line", 2, lines[1], {"c": "'a'"}),
        Frame("return", 2, lines[1], value="['a', 'b']"),
        Frame("return", 2, lines[1], value="['a', 'b']"),
    ]
    kept = writable_frames(frames, {1})
    assert kept == [frames[0], frames[1], frames[5]]


def test_real_corpus_rows_mostly_give_whole_examples(
    teacher: TeacherEngine, tiny_corpus: Any
) -> None:
    from cwm_lsp.corpus.records import read_rows

    examples = [build_example(r, teacher) for r in read_rows(tiny_corpus)]
    whole = [e for e in examples if isinstance(e, Example) and e.complete]
    assert len(whole) >= len(examples) - 1
    for example in whole:
        assert 0 < len(example.generated) < len(example.ids)


def test_a_forced_loop_item_keeps_the_formats_order_of_the_locals(
    teacher: TeacherEngine, tiny_vocab: Any
) -> None:
    """The tracer sorts the locals; the loop item the format forces names them as bound."""
    source = (
        "def f(rec):\n    t = 0\n    for y, j in enumerate(rec):\n        t += j\n    return t\n"
    )
    lines = source.splitlines()
    frames = [
        Frame("call", 1, lines[0], {"rec": "[5]"}),
        Frame("line", 2, lines[1], {"rec": "[5]"}),
        Frame("line", 3, lines[2], {"rec": "[5]", "t": "0"}),
        Frame("line", 4, lines[3], {"j": "5", "rec": "[5]", "t": "0", "y": "0"}),
        Frame("line", 3, lines[2], {"j": "5", "rec": "[5]", "t": "5", "y": "0"}),
        Frame("line", 5, lines[4], {"j": "5", "rec": "[5]", "t": "5", "y": "0"}),
        Frame("return", 5, lines[4], value="5"),
    ]
    example = build_example(row(source, "f", "[5]", frames), teacher, fewshot=False)
    assert isinstance(example, Example) and example.complete, example
    text = tiny_vocab.text(example.ids, special=False)
    assert "\nline {y=0, j=5} 4:         t += j\n" in text
