"""`# cwm: f(3, "x")` comments: inputs the user writes just above a def."""

from __future__ import annotations

from .conftest import MakeDoc


def test_a_cwm_comment_right_above_the_def_gives_its_inputs(make_doc: MakeDoc) -> None:
    doc = make_doc(
        """
        # cwm: f(3, "x")
        def f(n, s):
            return s * n
        """
    )
    assert doc.input_comment(doc.functions()[0]) == 'f(3, "x")'


def test_a_cwm_comment_above_the_decorators_or_between_them_counts(make_doc: MakeDoc) -> None:
    doc = make_doc(
        """
        import functools

        # cwm: g(1)
        @functools.cache
        def g(n):
            return n

        @functools.cache
        # cwm: h(2)
        def h(n):
            return n
        """
    )
    g, h = doc.functions()
    assert doc.input_comment(g) == "g(1)"
    assert doc.input_comment(h) == "h(2)"


def test_the_cwm_comment_nearest_the_def_wins_in_a_comment_block(make_doc: MakeDoc) -> None:
    doc = make_doc(
        """
        # cwm: f(1)
        # Computes things.
        #cwm:f(2)
        # more prose
        def f(n):
            return n
        """
    )
    assert doc.input_comment(doc.functions()[0]) == "f(2)"


def test_a_cwm_comment_separated_by_a_blank_line_or_inside_a_string_does_not_count(
    make_doc: MakeDoc,
) -> None:
    doc = make_doc(
        '''
        # cwm: f(1)

        def f(n):
            return n

        text = """
        # cwm: g(2)
        """
        def g(n):
            return n
        '''
    )
    f, g = doc.functions()
    assert doc.input_comment(f) is None
    assert doc.input_comment(g) is None


def test_a_cwm_comment_may_hold_a_literal_argument_tuple(make_doc: MakeDoc) -> None:
    doc = make_doc(
        """
        # cwm: 3, "x"
        def f(n, s):
            return s * n
        """
    )
    assert doc.input_comment(doc.functions()[0]) == '3, "x"'
