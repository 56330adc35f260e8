"""Files with syntax errors still give their functions (error recovery)."""

from __future__ import annotations

from cwm_lsp.source import parses

from .conftest import MakeDoc


def test_an_unfinished_line_in_one_function_leaves_the_others_intact(make_doc: MakeDoc) -> None:
    doc = make_doc(
        """
        def f(a):
            x = (1,
            return x

        def g(b):
            return b * 2
        """
    )
    assert doc.has_errors()
    g = doc.function_named("g")
    assert g is not None
    assert (g.def_line, g.end_line, g.params) == (5, 6, ("b",))


def test_functions_swallowed_by_a_broken_signature_are_recovered(make_doc: MakeDoc) -> None:
    doc = make_doc(
        '''
        class A:
            def broken(self, b=
                return 1

            def fine(self, x):
                """
                >>> A().fine(2)
                """
                y = x
                def inner():
                    pass
                return y

        def after():
            pass
        '''
    )
    functions = {f.qualname: f for f in doc.functions()}
    assert list(functions) == ["A.broken", "A.fine", "A.fine.<locals>.inner", "after"]
    fine = functions["A.fine"]
    assert (fine.class_name, fine.def_line, fine.end_line) == ("A", 5, 12)
    assert fine.body_names == ("self", "x", "y", "inner")
    assert doc.doctest_calls(fine) == ["A().fine(2)"]
    broken = functions["A.broken"]
    assert broken.end_line == 3
    assert "fine" not in broken.text


def test_a_def_line_inside_a_string_is_not_recovered_as_a_function(make_doc: MakeDoc) -> None:
    doc = make_doc(
        '''
        def f(:
            pass

        TEMPLATE = """
        def not_a_function():
            pass
        """
        '''
    )
    assert "not_a_function" not in [f.name for f in doc.functions()]


def test_holes_make_a_document_erroneous_and_unparseable(make_doc: MakeDoc) -> None:
    doc = make_doc("def f(x):\n    return ?? + 1\n")
    assert doc.has_errors()
    assert [f.qualname for f in doc.functions()] == ["f"]
    assert not parses(doc.text)


def test_parses_accepts_valid_python_and_rejects_what_either_parser_rejects() -> None:
    assert parses("def f(x):\n    return x + 1\n")
    assert parses("")
    assert not parses("def f(x):\n    return x +\n")
    assert not parses("x = (1,\n")
    # tree-sitter's grammar still knows Python 2's print statement; CPython does not
    assert not parses('print "x"\n')
    assert not parses("x = 1\x00\n")
