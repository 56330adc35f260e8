"""A method's inputs name its receiver; the model is shown the class it runs in."""

from __future__ import annotations

from cwm_lsp.source import InputChoice, choose_inputs
from cwm_lsp.source.context import imports_used, method_context
from cwm_lsp.source.inputs import method_call_sites

from .conftest import MakeDoc

SHOP = '''
import re
from collections import Counter as Tally


class Inventory:
    """Stock by name."""

    unit = "pcs"

    def __init__(self):
        self.items = {}

    def add(self, name, qty=1):
        self._check(name)
        self.items[name] = self.items.get(name, 0) + qty
        return self.items[name]

    def _check(self, name):
        return name

    def report(self):
        return str(self.items)

    def restock(self):
        self.add("bolt")


def words(text):
    return Tally(re.findall(r"\\w+", text))


inv = Inventory()
inv.add("apple", 3)
seen = set()
seen.add("apple")
'''


def test_a_call_on_a_variable_gets_the_constructor_that_made_it(make_doc: MakeDoc) -> None:
    doc = make_doc(SHOP)
    add = doc.function_named("Inventory.add")
    assert add is not None
    assert choose_inputs(doc, add) == InputChoice('Inventory().add("apple", 3)', "call site", 33)


def test_calls_on_other_objects_are_not_call_sites_and_self_calls_lose_their_receiver(
    make_doc: MakeDoc,
) -> None:
    doc = make_doc(SHOP)
    add = doc.function_named("Inventory.add")
    assert add is not None
    texts = [site.text for site in method_call_sites(doc, add)]
    assert texts == ['add("bolt")', 'Inventory().add("apple", 3)']  # not seen.add("apple")


def test_the_constructor_is_called_as_its_class(make_doc: MakeDoc) -> None:
    doc = make_doc(SHOP)
    init = doc.function_named("Inventory.__init__")
    assert init is not None
    assert choose_inputs(doc, init) == InputChoice("Inventory()", "call site", 32)


def test_a_call_site_in_another_open_file_is_used_when_the_file_has_none(
    make_doc: MakeDoc,
) -> None:
    doc = make_doc(SHOP)
    other = make_doc('from shop import words\nwords("a b a")\n')
    text = doc.function_named("words")
    assert text is not None
    assert choose_inputs(doc, text, [other]) == InputChoice(
        'words("a b a")', "call site in another file", 2
    )


def test_the_model_sees_the_class_line_its_statements_init_the_helpers_and_the_method(
    make_doc: MakeDoc,
) -> None:
    doc = make_doc(SHOP)
    add = doc.function_named("Inventory.add")
    assert add is not None
    context = method_context(doc, add)
    assert context is not None
    lines = context.text.splitlines()
    assert lines[:3] == ["class Inventory:", '    """Stock by name."""', '    unit = "pcs"']
    assert "    def _check(self, name):" in lines and "    def report(self):" not in lines
    assert lines[context.first_line - 1] == "    def add(self, name, qty=1):"
    assert method_context(doc, doc.functions()[-1]) is None  # words(): not a method


def test_a_function_is_shown_the_imports_it_uses(make_doc: MakeDoc) -> None:
    doc = make_doc(SHOP)
    text = doc.function_named("words")
    add = doc.function_named("Inventory.add")
    assert text is not None and add is not None
    assert imports_used(doc, text) == ["import re", "from collections import Counter as Tally"]
    assert imports_used(doc, add) == []
