"""Which reprs are of immutable values: a line that only reads such a name cannot change it."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cwm_lsp.analysis.immutable import is_immutable_repr

scalars = st.one_of(
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.complex_numbers(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
    st.text(max_size=20),
    st.binary(max_size=20),
)
immutables = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.tuples(inner, inner), st.frozensets(st.integers() | st.text(max_size=5), max_size=4)
    ),
    max_leaves=8,
)


@given(immutables)
def test_the_repr_of_every_immutable_value_is_recognised(value: Any) -> None:
    assert is_immutable_repr(repr(value))


@pytest.mark.parametrize(
    "text",
    ["[1, 2]", "{'a': 1}", "{1, 2}", "(1, [2])", "bytearray(b'x')", "<Inventory object>", "set()"],
)
def test_containers_that_can_change_in_place_are_not(text: str) -> None:
    assert not is_immutable_repr(text)


@pytest.mark.parametrize("text", ["'abc…", "inf", "nan", "", "Ellipsis", "x + 1", "f(3)"])
def test_what_it_does_not_recognise_counts_as_possibly_mutable(text: str) -> None:
    assert not is_immutable_repr(text)
