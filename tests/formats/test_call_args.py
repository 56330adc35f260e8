"""Invented call inputs: one literal per parameter, of the kind the code wants."""

from __future__ import annotations

import pytest

from cwm_lsp.analysis.param_usage import Kind
from cwm_lsp.formats.call_args import CallMachine, Forced, Segment, Value, fits


def accepts(segments: list[Segment], text: str) -> bool:
    machine = CallMachine(segments)
    return machine.accepts(text.encode()) and _done_after(machine, text)


def _done_after(machine: CallMachine, text: str) -> bool:
    machine.advance(text.encode())
    return machine.done


def one(kind: Kind) -> list[Segment]:
    return [Value(kind), Forced(")\n")]


@pytest.mark.parametrize(
    ("kind", "good", "bad"),
    [
        (Kind("str"), ["'a b'", '"it\'s"'], ["1234567890", "['a']", "b'x'"]),
        (Kind("int"), ["3", "-12"], ["3.5", "'3'", "True", "-[1]"]),
        (Kind("number"), ["3", "2.5", "1e-05"], ["'3'", "None"]),
        (Kind("list"), ["[]", "[1, 'a']"], ["(1, 2)", "'ab'"]),
        (Kind("dict"), ["{}", "{'a': [1, 2]}"], ["{1, 2}", "[('a', 1)]"]),
        (Kind("sequence"), ["[1]", "(1, 2)", "'abc'"], ["{'a': 1}", "12"]),
        (Kind("list", item="str"), ["['a', 'b']", "[]"], ["['a', 1]", "[[1]]"]),
        (Kind("any"), ["None", "{1: 2}", "'x'"], ["x", "f(1)"]),
    ],
)
def test_a_slot_takes_only_literals_of_its_kind(
    kind: Kind, good: list[str], bad: list[str]
) -> None:
    for text in good:
        assert accepts(one(kind), text + ")\n"), text
    for text in bad:
        assert not accepts(one(kind), text + ")\n"), text


def test_the_forced_text_is_handed_over_and_values_end_at_it() -> None:
    machine = CallMachine(
        [
            Forced("Inventory("),
            Forced(").add("),
            Value(Kind("str")),
            Forced(", "),
            Value(),
            Forced(")\n"),
        ]
    )
    assert machine.forced() == "Inventory("
    machine.advance(b"Inventory().add(")
    assert machine.forced() is None
    machine.advance(b"'apple',")  # a token may close the value and open the forced text
    assert machine.forced() == " "
    machine.advance(b" 3)\n")
    assert machine.done


def test_a_runaway_value_is_closed_and_the_slots_left_are_filled() -> None:
    machine = CallMachine([Value(Kind("str")), Forced(", "), Value(Kind("int")), Forced(")\n")])
    machine.advance(b"'abc")
    closing = machine.closing()
    assert closing == "', 0)\n" and machine.accepts(closing.encode())


def test_fits_checks_a_whole_value() -> None:
    assert fits(Kind("number"), "2.5") and not fits(Kind("int"), "True")
    assert fits(Kind("sequence", item="str"), "('a', 'b')")


def test_an_invented_number_stays_short() -> None:
    assert accepts(one(Kind("int")), "123456789012)\n")
    assert not accepts(one(Kind("int")), "1234567890123)\n")
