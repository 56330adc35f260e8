"""The grammar of value reprs: what a constrained value may and may not be."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cwm_lsp.formats.constraints import LineValueMachine, LocalsMachine
from cwm_lsp.formats.literal import (
    LiteralState,
    literal_closing,
    literal_complete,
    literal_feed,
    literal_step,
)


def whole(text: bytes) -> bool:
    state = literal_feed(LiteralState(), text)
    return state is not None and literal_complete(state)


def feed(machine, *pieces: bytes) -> bool:  # type: ignore[no-untyped-def]
    for piece in pieces:
        if not machine.accepts(piece):
            return False
        machine.advance(piece)
    return True


@pytest.mark.parametrize(
    "text",
    [
        "1",
        "-1",
        "1.5",
        "1e-05",
        "(1+2j)",
        "'a'",
        '"it\'s"',
        "b'xy'",
        "None",
        "True",
        "inf",
        "-inf",
        "nan",
        "...",
        "[1, 2]",
        "(1,)",
        "()",
        "{}",
        "{'a': 1, 'b': [2]}",
        "{1, 2}",
        "set()",
        "frozenset({1})",
        "Counter({'a': 2})",
        "deque([1, 2])",
        "defaultdict(<class 'list'>, {})",
        "datetime.date(2024, 1, 2)",
        "ZeroDivisionError('division by zero')",
        "<function f.<locals>.g at 0x7f3a>",
    ],
)
def test_reprs_of_values_are_whole_values(text: str) -> None:
    assert whole(text.encode())


@pytest.mark.parametrize(
    "text",
    [
        "text.rstrip('a')",  # a method call is an expression, not a value
        "4, n=3 => 3",  # a bare tuple with an assignment in it
        "text",  # a name
        "len(x)",  # a lower-case call that is no constructor
        "x + 1",
        "[1, 2] * 2",
        "'a' 'b'",
        "1 2",
        "[1,,2]",
        "{1: }",
        "Foo",  # a class name without its arguments
        "-",
        "",
        "000",  # repr writes no leading zeros
        "If...1000",  # not a name, not a number
    ],
)
def test_expressions_and_fragments_are_not_values(text: str) -> None:
    assert not whole(text.encode())


@pytest.mark.parametrize(
    "prefix", ["[1, 'ab", "{'a': ", "{'a': None", "Fo", "fro", "<obj", "1e", "-", "(1, ", "'\\"]
)
def test_a_runaway_value_is_closed_into_a_whole_value(prefix: str) -> None:
    state = literal_feed(LiteralState(), prefix.encode())
    assert state is not None
    assert whole(prefix.encode() + literal_closing(state))


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
        lambda inner: (
            st.lists(inner, max_size=3)
            | st.tuples(inner, inner)
            | st.dictionaries(st.text(max_size=3) | st.integers(), inner, max_size=3)
        ),
        max_leaves=8,
    )
)
def test_every_repr_of_builtin_data_is_a_whole_value(value: object) -> None:
    assert whole(repr(value).encode())


def test_locals_values_must_be_reprs() -> None:
    assert feed(LocalsMachine(["s"]), b"s='ha'} ")
    assert not feed(LocalsMachine(["s"]), b"s=ha.rstrip('a')} ")
    assert not feed(LocalsMachine(["s"]), b"s=1 2} ")
    assert not feed(LocalsMachine(["s", "n"]), b"s=[1, , n=2} ")


def test_free_values_are_still_available_when_the_grammar_is_off() -> None:
    assert feed(LocalsMachine(["s"], literal=False), b"s=ha.rstrip('a')} ")
    assert feed(LineValueMachine(literal=False), b"4, n=3 => 3\n")


def test_a_return_value_ends_at_the_newline_only_when_whole() -> None:
    assert feed(LineValueMachine(), b"[1, 2]\n")
    assert not feed(LineValueMachine(), b"[1, 2\n")
    assert not feed(LineValueMachine(), b"4, n=3\n")
    machine = LineValueMachine(max_value=4)
    feed(machine, b"[1, 'abcdef")
    assert machine.too_long
    assert feed(machine, machine.closing().encode()) and machine.done


@given(st.lists(st.sampled_from(list(b"abNTFxX019.eEjJ+-'\"\\[](){}<>,: _dtlsnr")), max_size=40))
def test_whatever_prefix_the_grammar_allowed_can_be_closed(data: list[int]) -> None:
    # Random bytes, keeping only those the grammar allows: a runaway value the
    # decoder has to close can be any such prefix.
    state, kept = LiteralState(), b""
    for byte in data:
        stepped = literal_step(state, byte)
        if stepped is not None:
            state, kept = stepped, kept + bytes([byte])
    assert whole(kept + literal_closing(state))
