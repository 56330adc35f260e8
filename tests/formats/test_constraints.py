"""The byte-level machines behind constrained generic decoding."""

from __future__ import annotations

import pytest

from cwm_lsp.formats.constraints import (
    ChoiceMachine,
    LineValueMachine,
    LocalsMachine,
    NumberMachine,
)


def feed(machine, *pieces: bytes) -> bool:  # type: ignore[no-untyped-def]
    for piece in pieces:
        if not machine.accepts(piece):
            return False
        machine.advance(piece)
    return True


def test_locals_accept_known_names_and_values_with_commas_inside_strings_and_lists() -> None:
    machine = LocalsMachine(["s", "items"])
    assert feed(machine, b"s='a, b}'", b", items=[1, ", b"2]", b"} ")
    assert machine.done
    assert machine.used == {"s", "items"}


def test_locals_refuse_unknown_names_repeated_names_and_newlines() -> None:
    assert not feed(LocalsMachine(["x"]), b"y=1")
    assert not feed(LocalsMachine(["x"]), b"x=1, x=2")
    assert not feed(LocalsMachine(["x"]), b"x='a\n")


def test_locals_refuse_the_return_arrow_outside_strings() -> None:
    assert not feed(LocalsMachine(["n"]), b"n=27 => 1")
    assert feed(LocalsMachine(["s"]), b"s=' => '} ")


def test_locals_refuse_restating_an_unchanged_value() -> None:
    assert not feed(LocalsMachine(["n"], unchanged={"n": "1"}), b"n=1}")
    assert feed(LocalsMachine(["n"], unchanged={"n": "1"}), b"n=2} ")


@pytest.mark.parametrize("new", [b"10", b"12", b"1.5", b"100"])
def test_a_new_value_may_start_with_the_old_one(new: bytes) -> None:
    """``n=1`` can become ``n=10``: only the whole old value is refused."""
    assert feed(LocalsMachine(["n"], unchanged={"n": "1"}), b"n=" + new + b"} ")
    assert feed(LocalsMachine(["n", "m"], unchanged={"n": "-1"}), b"n=-" + new + b", m=0} ")


def test_a_runaway_value_can_be_closed() -> None:
    machine = LocalsMachine(["x"], max_value=5)
    feed(machine, b"x=['aaaaaa")
    assert machine.too_long
    closing = machine.closing().encode()
    assert feed(machine, closing) and machine.done


def test_a_runaway_value_ending_in_an_escape_can_be_closed() -> None:
    machine = LocalsMachine(["x"], max_value=5)
    feed(machine, b"x={'a': 'bcdefg\\")
    assert feed(machine, machine.closing().encode()) and machine.done


def test_line_numbers_come_from_the_allowed_set() -> None:
    machine = NumberMachine({3, 12})
    assert not machine.accepts(b"4")
    assert feed(machine, b"1", b"2:")
    assert machine.number == 12
    assert set(NumberMachine({3, 12}).options() or []) == {b"3:", b"12:"}


def test_a_choice_is_forced_when_one_option_is_left() -> None:
    machine = ChoiceMachine(["line {", "return "])
    assert feed(machine, b"l")
    assert machine.forced() == "line {"


def test_values_end_at_the_newline() -> None:
    assert feed(LineValueMachine(), b"[1, 2]\n")
    assert not LineValueMachine().accepts(b"\n")


def test_no_comma_after_the_last_name_that_can_change() -> None:
    assert not feed(LocalsMachine(["x"]), b"x=1, ")
    assert feed(LocalsMachine(["x", "y"]), b"x=1, y=2} ")
