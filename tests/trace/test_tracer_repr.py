"""The child's bounded repr: always the real repr, or an exact prefix of it long enough to cut."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cwm_lsp.trace._child import bounded_repr, show

values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text() | st.floats(allow_nan=False),
    lambda inner: (
        st.lists(inner, max_size=6)
        | st.tuples(inner)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(max_size=5) | st.integers(), inner, max_size=4)
    ),
    max_leaves=40,
)


@settings(max_examples=400, deadline=None)
@given(value=values, limit=st.integers(min_value=1, max_value=60))
def test_bounded_repr_is_the_repr_or_a_prefix_longer_than_the_limit(value, limit):
    full = repr(value)
    shown = bounded_repr(value, limit)

    assert shown == full or (full.startswith(shown) and len(shown) > limit)


@given(text=st.text(alphabet="ab'\"\\\n", min_size=30, max_size=80))
def test_long_strings_keep_the_quote_and_escapes_repr_would_use(text):
    assert repr(text).startswith(bounded_repr(text, 10))


def test_self_containing_lists_are_shown_as_repr_shows_them():
    xs: list[object] = [1]
    xs.append(xs)

    assert bounded_repr(xs, 100) == repr(xs) == "[1, [...]]"


def test_shown_values_carry_one_character_more_than_the_limit_so_the_parent_can_cut():
    assert show(list(range(100)), 10) == "[0, 1, 2, 3"
    assert show("short", 10) == "'short'"
    assert show(list(range(100)), 0) == repr(list(range(100)))
