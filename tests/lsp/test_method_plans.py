"""A method's prediction plan: its class goes to the model, its lens names the receiver."""

from __future__ import annotations

from cwm_lsp.lsp.code_lens import call_text, origin_text
from cwm_lsp.lsp.documents import OpenDocument, PlanOptions

SHOP = """\
import re


class Inventory:
    def __init__(self):
        self.items = {}

    def add(self, name, qty=1):
        self.items[name] = self.items.get(name, 0) + qty
        return self.items[name]


def word_freq(text):
    return re.findall(r"\\w+", text.lower())


inv = Inventory()
inv.add("apple", 3)
"""


def opened(text: str = SHOP) -> OpenDocument:
    doc = OpenDocument(uri="file:///shop.py", version=1, text=text)
    doc.set_options(PlanOptions(model="m", temperature=0.0, max_frames=20))
    return doc


def test_a_method_is_asked_with_its_class_and_its_receiver() -> None:
    doc = opened()
    add = doc.function_named("Inventory.add")
    assert add is not None
    plan = doc.plan(add)
    assert plan.key.function == "Inventory.add"
    assert plan.key.args == 'Inventory().add("apple", 3)'
    assert plan.key.source.startswith("class Inventory:\n    def __init__(self):\n")
    model_line = plan.key.source.splitlines().index("    def add(self, name, qty=1):") + 1
    assert plan.to_doc_line(model_line) == add.def_line - 1  # the lines map back


def test_a_function_is_asked_with_the_imports_it_uses() -> None:
    doc = opened()
    word_freq = doc.function_named("word_freq")
    assert word_freq is not None
    plan = doc.plan(word_freq)
    assert plan.key.function == "word_freq"
    assert plan.key.source.startswith("import re\n\ndef word_freq(text):\n")
    assert plan.to_doc_line(3) == word_freq.def_line - 1


def test_the_lens_says_where_each_input_came_from() -> None:
    doc = opened()
    add = doc.function_named("Inventory.add")
    word_freq = doc.function_named("word_freq")
    assert add is not None and word_freq is not None
    site = doc.plan(add)
    assert origin_text(site) == "from call site line 18"
    assert origin_text(site, {"self": "invented", "name": "given", "qty": "given"}) == (
        "from call site line 18 (self invented by the model)"
    )
    invented = doc.plan(word_freq)
    assert origin_text(invented, {"text": "invented"}) == "invented by the model"
    assert origin_text(site, {"self": "given", "name": "given", "qty": "default"}) == (
        "from call site line 18 (qty: its default)"
    )


def test_a_method_call_is_shown_as_written() -> None:
    assert call_text("add", "Inventory().add('apple', 3)") == "Inventory().add('apple', 3)"
    assert call_text("count", "Inventory().count") == "Inventory().count"
    assert call_text("f", "1, 2") == "f(1, 2)"
