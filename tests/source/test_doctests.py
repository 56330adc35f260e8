"""Doctest examples in a function's docstring."""

from __future__ import annotations

from .conftest import MakeDoc


def test_doctest_calls_are_the_calls_of_the_function_in_the_examples(make_doc: MakeDoc) -> None:
    doc = make_doc(
        '''
        def add(a, b):
            """Add two numbers.

            >>> add(1, 2)
            3
            >>> print(add("x",
            ...           "y"))
            xy
            >>> import math
            >>> math.floor(2.5)
            2
            """
            return a + b
        '''
    )
    assert doc.doctest_calls(doc.functions()[0]) == ["add(1, 2)", 'add("x",\n          "y")']


def test_a_function_without_a_docstring_has_no_doctest_calls(make_doc: MakeDoc) -> None:
    doc = make_doc(
        """
        def f(x):
            '>>> not a docstring'  if False else None
            return x
        """
    )
    assert doc.doctest_calls(doc.functions()[0]) == []


def test_a_nested_functions_doctest_belongs_to_it_not_to_the_outer_function(
    make_doc: MakeDoc,
) -> None:
    doc = make_doc(
        '''
        def outer():
            def inner(n):
                """>>> inner(2)"""
                return n
            return inner(1)
        '''
    )
    outer, inner = doc.functions()
    assert doc.doctest_calls(outer) == []
    assert doc.doctest_calls(inner) == ["inner(2)"]


def test_a_method_doctest_keeps_the_receiver_as_written(make_doc: MakeDoc) -> None:
    doc = make_doc(
        """
        class Box:
            def size(self, k):
                r'''
                >>> Box().size(3)
                3
                '''
                return k
        """
    )
    assert doc.doctest_calls(doc.functions()[0]) == ["Box().size(3)"]
