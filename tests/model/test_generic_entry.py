"""The entry call: a method gets its receiver, invented inputs fit the code and always bind.

Driven by the tiny random model through the generic format: whatever a random
model writes, the grammar of the call and the binding keep the inputs valid.
"""

from __future__ import annotations

import ast

import pytest

from cwm_lsp.analysis.binding import bind_call
from cwm_lsp.model.world import LlamaWorldModel

SHOP = """\
import re


class Inventory:
    def __init__(self, owner="shop"):
        self.owner = owner
        self.items = {}
        self.log = list()

    def add(self, name, qty=1):
        self.items[name] = self.items.get(name, 0) + qty
        return self.items[name]

    @property
    def count(self):
        return len(self.items)

    @classmethod
    def named(cls, owner):
        return cls(owner)


def word_freq(text):
    return len(re.findall(r"\\w+", text.lower()))


def total(xs):
    return sum(xs) + len(xs)


def pair(t):
    return t[0]
"""


def literal(text: str) -> object:
    return ast.literal_eval(text)


@pytest.mark.parametrize("function", ["Inventory.add", "Inventory.count", "Inventory.__init__"])
def test_an_invented_method_call_binds_an_instance(
    tiny_generic: LlamaWorldModel, function: str
) -> None:
    imagined = tiny_generic.imagine(SHOP, function, None, max_frames=1)
    call = imagined.trace.frames[0]
    assert call.locals["self"] == "<Inventory>"
    assert imagined.trace.args.startswith("Inventory(")
    assert imagined.input_origins["self"] == "invented"
    bind_call(SHOP, function, imagined.trace.args)  # what is shown binds


def test_the_receiver_fields_the_constructor_leaves_open_are_written_by_the_model(
    tiny_generic: LlamaWorldModel,
) -> None:
    imagined = tiny_generic.imagine(SHOP, "Inventory.add", "Inventory().add('apple')", max_frames=1)
    state = imagined.trace.frames[0].locals
    assert list(state)[:4] == ["self", "self.owner", "self.items", "self.log"]
    assert state["self.items"] == "{}" and state["self.owner"] == "'shop'"
    literal(state["self.log"])  # list() is not in the source's words: the model's literal
    assert imagined.input_origins == {"self": "given", "name": "given", "qty": "default"}


def test_inputs_given_without_the_receiver_get_one(tiny_generic: LlamaWorldModel) -> None:
    imagined = tiny_generic.imagine(SHOP, "Inventory.add", "inv.add('pear', 2)", max_frames=1)
    assert imagined.trace.args.startswith("Inventory(")
    assert imagined.trace.args.endswith(".add('pear', 2)")
    assert imagined.trace.frames[0].locals["name"] == "'pear'"
    assert imagined.input_origins["self"] == "invented"


def test_a_classmethod_gets_the_class(tiny_generic: LlamaWorldModel) -> None:
    imagined = tiny_generic.imagine(SHOP, "Inventory.named", None, max_frames=1)
    assert imagined.trace.frames[0].locals["cls"] == "<class 'Inventory'>"


def test_invented_inputs_fit_how_the_body_uses_them(tiny_generic: LlamaWorldModel) -> None:
    word = tiny_generic.imagine(SHOP, "word_freq", None, max_frames=1)
    assert isinstance(literal(word.trace.frames[0].locals["text"]), str)
    xs = tiny_generic.imagine(SHOP, "total", None, max_frames=1)
    assert isinstance(literal(xs.trace.frames[0].locals["xs"]), list | tuple | str)


def test_a_single_tuple_argument_stays_one_argument(tiny_generic: LlamaWorldModel) -> None:
    for _ in range(3):
        imagined = tiny_generic.imagine(SHOP, "pair", None, max_frames=1, temperature=1.0)
        assert imagined.trace.frames, imagined.trace.error
        assert set(imagined.trace.frames[0].locals) == {"t"}
