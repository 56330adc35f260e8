"""Which inputs a prediction uses: comment, then doctest, then call site, else invented."""

from __future__ import annotations

from cwm_lsp.source import InputChoice, choose_inputs

from .conftest import MakeDoc

ALL_SOURCES = '''
# cwm: f(1)
def f(n):
    """
    >>> f(2)
    """
    return n

def g(n):
    """
    >>> g(2)
    """
    return n

def h(n):
    return n

def k(n):
    return n

h(3)
'''


def test_inputs_come_first_from_the_comment_then_a_doctest_then_a_call_site(
    make_doc: MakeDoc,
) -> None:
    doc = make_doc(ALL_SOURCES)
    f, g, h, _ = doc.functions()
    assert choose_inputs(doc, f) == InputChoice("f(1)", "comment", 1)
    assert choose_inputs(doc, g) == InputChoice("g(2)", "doctest", 10)
    assert choose_inputs(doc, h) == InputChoice("h(3)", "call site", 20)


def test_without_any_source_the_model_invents_the_inputs(make_doc: MakeDoc) -> None:
    doc = make_doc(ALL_SOURCES)
    assert choose_inputs(doc, doc.functions()[3]) == InputChoice(None, "invented", None)


def test_a_call_site_with_literal_arguments_is_preferred_to_an_earlier_one(
    make_doc: MakeDoc,
) -> None:
    doc = make_doc(
        """
        def f(a, b):
            return a + b

        def use(x):
            return f(x, x)

        print(f(1, b=[2, 3]))
        """
    )
    assert choose_inputs(doc, doc.functions()[0]) == InputChoice("f(1, b=[2, 3])", "call site", 7)


def test_a_call_site_with_only_non_literal_arguments_is_still_used(make_doc: MakeDoc) -> None:
    doc = make_doc(
        """
        def f(a):
            return a

        value = 3
        f(value)
        """
    )
    assert choose_inputs(doc, doc.functions()[0]) == InputChoice("f(value)", "call site", 5)
