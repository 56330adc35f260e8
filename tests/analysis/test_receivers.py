"""A method's receiver: what ``self`` is, which attributes it holds, how inputs bind to it."""

from __future__ import annotations

import ast

import pytest

from cwm_lsp.analysis.binding import BindingError, bind, bind_call
from cwm_lsp.analysis.receivers import class_attributes, initial_state, receiver_of

SHOP = '''
from dataclasses import dataclass


class Inventory:
    """Stock by name."""

    def __init__(self, owner="shop", limit=10):
        self.owner = owner
        self.items = {}
        self.limit = limit
        self.log = list()

    def add(self, name, qty=1):
        self.items[name] = self.items.get(name, 0) + qty
        self.last = name
        return self.items[name]

    @property
    def total(self):
        return sum(self.items.values())

    @classmethod
    def empty(cls, owner):
        return cls(owner)

    @staticmethod
    def unit(x):
        return x


class Warehouse(Inventory):
    def move(self, other):
        self.moved = True


@dataclass
class Point:
    x: int
    y: int = 0

    def norm(self):
        return abs(self.x) + abs(self.y)


def outer(n):
    def inner(self):
        return self
    return inner(n)
'''


@pytest.fixture(scope="module")
def tree() -> ast.Module:
    return ast.parse(SHOP)


def test_a_method_runs_on_an_instance_and_a_classmethod_on_the_class(tree: ast.Module) -> None:
    add = receiver_of(tree, "Inventory.add")
    assert add is not None and (add.class_name, add.param, add.kind) == (
        "Inventory",
        "self",
        "method",
    )
    assert add.value == "<Inventory>"
    empty = receiver_of(tree, "Inventory.empty")
    assert empty is not None and empty.value == "<class 'Inventory'>" and empty.attributes == ()
    total = receiver_of(tree, "Inventory.total")
    assert total is not None and total.kind == "property"


def test_staticmethods_functions_and_nested_defs_have_no_receiver(tree: ast.Module) -> None:
    assert receiver_of(tree, "Inventory.unit") is None
    assert receiver_of(tree, "outer") is None
    assert receiver_of(tree, "outer.<locals>.inner") is None


def test_attributes_come_from_every_method_the_constructors_first_and_bases_too(
    tree: ast.Module,
) -> None:
    assert class_attributes(tree, "Inventory") == ("owner", "items", "limit", "log", "last")
    assert class_attributes(tree, "Warehouse")[-1] == "moved"
    assert receiver_of(tree, "Inventory.add").fields[:2] == ("self.owner", "self.items")  # type: ignore[union-attr]
    assert class_attributes(tree, "Point") == ("x", "y")


def test_the_constructor_state_is_known_where_the_source_says_it(tree: ast.Module) -> None:
    state = initial_state(tree, "Inventory", {"owner": "'depot'", "limit": "10"})
    assert state == {"owner": "'depot'", "items": "{}", "limit": "10", "log": None}


def test_a_method_call_binds_the_receiver_its_known_state_and_the_arguments() -> None:
    binding = bind_call(SHOP, "Inventory.add", "Inventory('depot').add('apple', 3)")
    assert binding.locals == {
        "self": "<Inventory>",
        "self.owner": "'depot'",
        "self.items": "{}",
        "self.limit": "10",
        "name": "'apple'",
        "qty": "3",
    }
    assert binding.pending == ("self.log",)  # list() is the model's to say
    assert binding.call == "Inventory('depot').add('apple', 3)"


def test_inputs_without_the_receiver_bind_the_rest_and_ask_for_one() -> None:
    binding = bind_call(SHOP, "Inventory.add", "inv.add('apple')")
    assert binding.needs_receiver and binding.params == {"name": "'apple'", "qty": "1"}
    assert binding.given == {"name"} and binding.inner == "'apple'"
    assert bind(SHOP, "Inventory.add", "'apple'") == {"name": "'apple'", "qty": "1"}


def test_a_property_a_classmethod_and_a_constructor_bind_as_they_are_called() -> None:
    assert bind_call(SHOP, "Inventory.total", "Inventory().total").call == "Inventory().total"
    assert bind(SHOP, "Inventory.empty", "Inventory.empty('x')") == {
        "cls": "<class 'Inventory'>",
        "owner": "'x'",
    }
    init = bind_call(SHOP, "Inventory.__init__", "Inventory('x')")
    assert init.locals == {"self": "<Inventory>", "owner": "'x'", "limit": "10"}
    assert init.fields == ()  # nothing is set before __init__ runs


def test_a_dataclass_is_constructed_from_its_fields() -> None:
    assert bind(SHOP, "Point.norm", "Point(3).norm()") == {
        "self": "<Point>",
        "self.x": "3",
        "self.y": "0",
    }


def test_a_constructor_call_that_does_not_bind_is_refused() -> None:
    with pytest.raises(BindingError, match="positional"):
        bind_call(SHOP, "Inventory.add", "Inventory(1, 2, 3).add('a')")
