"""Call sites: where a function is called in the same file."""

from __future__ import annotations

from cwm_lsp.source import CallSite

from .conftest import MakeDoc

PROGRAM = """
def fact(n):
    return 1 if n < 2 else n * fact(n - 1)

def use():
    return fact(4)

print(fact(3))

if __name__ == "__main__":
    fact(
        5,
    )
"""


def test_call_sites_are_found_at_module_level_in_other_functions_and_the_main_block(
    make_doc: MakeDoc,
) -> None:
    assert make_doc(PROGRAM).call_sites("fact") == [
        CallSite(line=5, text="fact(4)", callee="fact"),
        CallSite(line=7, text="fact(3)", callee="fact"),
        CallSite(line=10, text="fact(\n        5,\n    )", callee="fact"),
    ]


def test_recursive_calls_inside_the_function_itself_are_not_call_sites(make_doc: MakeDoc) -> None:
    lines = [site.line for site in make_doc(PROGRAM).call_sites("fact")]
    assert lines == [5, 7, 10]  # not line 2, the recursive call


def test_method_calls_are_reported_as_written(make_doc: MakeDoc) -> None:
    doc = make_doc(
        """
        class Counter:
            def bump(self, k):
                return self.bump(k - 1) if k else 0

        Counter().bump(3)
        """
    )
    assert doc.call_sites("Counter.bump") == [
        CallSite(line=5, text="Counter().bump(3)", callee="Counter().bump")
    ]
    assert doc.call_sites("bump") == doc.call_sites("Counter.bump")


def test_names_that_only_share_a_prefix_are_not_call_sites(make_doc: MakeDoc) -> None:
    doc = make_doc(
        """
        def f(x):
            return x

        ff(1)
        f_(2)
        y = f
        """
    )
    assert doc.call_sites("f") == []


def test_call_text_uses_plain_newlines_in_a_crlf_file(make_doc: MakeDoc) -> None:
    doc = make_doc(PROGRAM, newline="\r\n")
    assert doc.call_sites("fact")[-1].text == "fact(\n        5,\n    )"
    assert doc.call_sites("fact")[-1].line == 10


def test_calls_in_a_function_name_what_it_calls(make_doc: MakeDoc) -> None:
    doc = make_doc(PROGRAM)
    fact, use = doc.functions()
    assert [c.callee for c in doc.calls_in(fact)] == ["fact"]
    assert doc.calls_in(use) == [CallSite(line=5, text="fact(4)", callee="fact")]
