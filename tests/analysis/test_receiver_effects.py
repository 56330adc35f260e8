"""Which receiver fields a method's line can change: ``self.items[k] = v`` changes ``self.items``."""

from __future__ import annotations

from cwm_lsp.analysis.source_index import SourceIndex

SOURCE = """\
class Cart:
    def __init__(self):
        self.items = []
        self.total = 0

    def add(self, price):
        self.items.append(price)
        self.total += price
        view = self.items
        view.clear()
        self.reset()
        return len(self.items)

    def reset(self):
        self.total = 0
"""


def test_a_method_frame_holds_the_receiver_fields_after_the_receiver() -> None:
    add = SourceIndex(SOURCE).find("Cart.add")
    assert add.names[:4] == ("self", "self.items", "self.total", "price")
    assert add.entry_names == ("self", "self.items", "self.total", "price")


def test_each_line_changes_the_fields_it_names_and_their_aliases() -> None:
    index = SourceIndex(SOURCE)
    effects = index.effects(index.find("Cart.add"))
    assert effects is not None
    assert effects.changes(7) == {"price", "self.items", "view"}  # view = self.items later
    assert "self.total" in effects.changes(8) and "self.items" not in effects.changes(8)
    assert "self.items" in effects.changes(10)  # through the alias
    assert {"self.items", "self.total"} <= effects.changes(11)  # a method may change anything
    assert "self" not in effects.changes(7)  # the instance itself stays the same


def test_a_field_a_line_rebinds_is_not_read_only() -> None:
    index = SourceIndex(SOURCE)
    effects = index.effects(index.find("Cart.add"))
    assert effects is not None
    assert "self.total" not in effects.read_only(8)
    assert "self.items" in effects.read_only(7)  # mutated through its object, never rebound
