"""Functions, methods and nested defs: names, lines, parameters, local names, text."""

from __future__ import annotations

from cwm_lsp.source import FunctionInfo

from .conftest import MakeDoc

CLASS_AND_FUNCTIONS = '''
import functools

def top(a, b=2):
    return a + b

class Shape:
    """A shape."""

    @staticmethod
    @functools.cache
    def area(w, h):
        return w * h

    async def grow(self, k: int = 1) -> None:
        self.k = k

def outer(x):
    def inner(y):
        z = y + 1
        return z
    return inner(x)
'''


def by_qualname(functions: list[FunctionInfo]) -> dict[str, FunctionInfo]:
    return {f.qualname: f for f in functions}


def test_functions_lists_functions_methods_and_nested_defs_in_source_order(
    make_doc: MakeDoc,
) -> None:
    doc = make_doc(CLASS_AND_FUNCTIONS)
    assert [f.qualname for f in doc.functions()] == [
        "top",
        "Shape.area",
        "Shape.grow",
        "outer",
        "outer.<locals>.inner",
    ]


def test_a_method_knows_its_class_and_a_function_has_none(make_doc: MakeDoc) -> None:
    functions = by_qualname(make_doc(CLASS_AND_FUNCTIONS).functions())
    assert functions["Shape.grow"].name == "grow"
    assert functions["Shape.grow"].class_name == "Shape"
    assert functions["top"].class_name is None
    assert functions["outer.<locals>.inner"].class_name is None


def test_decorators_start_the_function_and_the_def_line_is_after_them(make_doc: MakeDoc) -> None:
    area = by_qualname(make_doc(CLASS_AND_FUNCTIONS).functions())["Shape.area"]
    assert (area.start_line, area.def_line, area.end_line) == (9, 11, 12)
    assert area.text.splitlines()[0] == "    @staticmethod"
    assert area.text.splitlines()[-1] == "        return w * h"


def test_text_keeps_the_first_lines_indentation_so_it_dedents_to_runnable_code(
    make_doc: MakeDoc,
) -> None:
    import textwrap

    grow = by_qualname(make_doc(CLASS_AND_FUNCTIONS).functions())["Shape.grow"]
    code = textwrap.dedent(grow.text)
    assert code.startswith("async def grow(self")
    compile(code, "<grow>", "exec")


def test_byte_offsets_span_the_definition_from_its_first_decorator(make_doc: MakeDoc) -> None:
    doc = make_doc(CLASS_AND_FUNCTIONS)
    area = by_qualname(doc.functions())["Shape.area"]
    data = doc.text.encode("utf-8")
    assert data[area.start_byte : area.end_byte].decode().startswith("@staticmethod")
    assert data[area.start_byte : area.end_byte].decode().endswith("return w * h")


def test_parameters_include_self_star_args_and_keyword_only_names(make_doc: MakeDoc) -> None:
    doc = make_doc(
        """
        class C:
            def m(self, a, /, b: int, c=1, d: str = "x", *args, e, f=3, **kw):
                pass

        def bare(*, key):
            pass
        """
    )
    functions = by_qualname(doc.functions())
    assert functions["C.m"].params == ("self", "a", "b", "c", "d", "args", "e", "f", "kw")
    assert functions["bare"].params == ("key",)


def test_body_names_hold_every_kind_of_local_binding_in_source_order(make_doc: MakeDoc) -> None:
    doc = make_doc(
        """
        def f(p):
            x, (y, *rest) = 1, (2, 3)
            n += 1
            ann: int = 2
            for i, j in pairs:
                pass
            with open(p) as fh:
                pass
            try:
                pass
            except ValueError as err:
                pass
            import os.path, sys as system
            from math import pi, tau as turn
            if (w := 3):
                pass
            squares = [k * k for k in range(3)]
            def helper():
                pass
            class Local:
                pass
            match p:
                case [first, *others]:
                    pass
        """
    )
    assert doc.functions()[0].body_names == (
        "p", "x", "y", "rest", "n", "ann", "i", "j", "fh", "err", "os", "system",
        "pi", "turn", "w", "squares", "k", "helper", "Local", "first", "others",
    )  # fmt: skip


def test_body_names_leave_out_attributes_nested_scopes_and_global_names(make_doc: MakeDoc) -> None:
    doc = make_doc(
        """
        def f(obj):
            global counter
            counter = 1
            obj.attr = 2
            obj.items[0] = 3
            def inner():
                hidden = 4
            class K:
                class_attr = 5
            fn = lambda arg: arg
            return fn
        """
    )
    assert doc.function_named("f") is not None
    assert doc.function_named("f").body_names == ("obj", "inner", "K", "fn")  # type: ignore[union-attr]
    assert doc.function_named("f.<locals>.inner").body_names == ("hidden",)  # type: ignore[union-attr]


def test_a_comment_after_the_body_is_not_part_of_the_function(make_doc: MakeDoc) -> None:
    doc = make_doc(
        """
        def f():
            return 1
            # trailing, indented like the body

        # a module comment
        x = f()
        """
    )
    f = doc.functions()[0]
    assert f.end_line == 2
    assert f.text == "def f():\n    return 1"


def test_function_at_gives_the_innermost_function_holding_the_line(make_doc: MakeDoc) -> None:
    doc = make_doc(CLASS_AND_FUNCTIONS)
    assert doc.function_at(4) is not None and doc.function_at(4).qualname == "top"  # type: ignore[union-attr]
    assert doc.function_at(9).qualname == "Shape.area"  # type: ignore[union-attr]
    assert doc.function_at(20).qualname == "outer.<locals>.inner"  # type: ignore[union-attr]
    assert doc.function_at(21).qualname == "outer"  # type: ignore[union-attr]
    assert doc.function_at(1) is None
    assert doc.function_at(5) is None  # blank line between functions
    assert doc.function_at(6) is None  # the class line


def test_function_named_finds_by_qualname_then_by_simple_name(make_doc: MakeDoc) -> None:
    doc = make_doc(CLASS_AND_FUNCTIONS)
    assert doc.function_named("Shape.grow").def_line == 14  # type: ignore[union-attr]
    assert doc.function_named("grow").qualname == "Shape.grow"  # type: ignore[union-attr]
    assert doc.function_named("missing") is None


def test_functions_are_computed_once_per_document(make_doc: MakeDoc) -> None:
    doc = make_doc(CLASS_AND_FUNCTIONS)
    first = doc.functions()
    assert doc.functions() == first
    assert all(a is b for a, b in zip(doc.functions(), first, strict=True))
