"""The real tracer records a method's receiver the way the imagined trace shows it.

``self`` is ``<Inventory>`` (an instance of a class of the traced file with the
default ``__repr__``: no address, the same in every run), followed by its
attributes as ``self.items`` entries, so comparison, evaluation and training
see the instance's state as plain locals.
"""

from __future__ import annotations

import pytest

from cwm_lsp.trace import EndReason
from cwm_lsp.trace.tracer import CallArgs, parse_call_args, trace_call

SHOP = """\
class Inventory:
    def __init__(self, owner="shop"):
        self.owner = owner
        self.items = {}

    def add(self, name, qty=1):
        self.items[name] = self.items.get(name, 0) + qty
        return self.items[name]

    @property
    def count(self):
        return len(self.items)

    @classmethod
    def named(cls, owner):
        return cls(owner)

    def __repr__(self):
        return "Inventory()"


class Plain:
    def __init__(self):
        self.n = 1

    def bump(self):
        self.n += 1
        return self


def helper(shop):
    return shop


inv = Inventory()
"""


def locals_at(trace, line: int) -> dict[str, str]:
    return next(dict(f.locals) for f in trace.frames if f.line == line and f.event == "line")


def test_a_method_frame_holds_the_receiver_and_its_attributes_right_after_it() -> None:
    trace = trace_call(SHOP, function="Inventory.add", args="Inventory().add('apple', 3)")
    assert trace.reason is EndReason.RETURNED and trace.return_value == "3"
    call = trace.frames[0]
    assert list(call.locals) == ["self", "self.owner", "self.items", "name", "qty"]
    assert locals_at(trace, 8)["self.items"] == "{'apple': 3}"


def test_an_instance_with_the_default_repr_shows_its_class_only() -> None:
    trace = trace_call(SHOP, function="Plain.bump", args="Plain().bump()")
    assert trace.frames[0].locals == {"self": "<Plain>", "self.n": "1"}
    assert locals_at(trace, 28)["self.n"] == "2"
    assert trace.return_value == "<Plain>"


def test_a_user_repr_is_kept_and_a_free_function_gets_no_fields() -> None:
    trace = trace_call(SHOP, function="helper", args="Plain()")
    assert trace.frames[0].locals == {"shop": "<Plain>"}
    shop = trace_call(SHOP, function="Inventory.add", args="inv.add('x')")
    assert shop.frames[0].locals["self"] == "Inventory()"  # its own __repr__


def test_a_property_a_classmethod_and_a_constructor_run_as_they_are_called() -> None:
    count = trace_call(SHOP, function="Inventory.count", args="Inventory().count")
    assert count.return_value == "0" and "self.items" in count.frames[0].locals
    named = trace_call(SHOP, function="Inventory.named", args="Inventory.named('depot')")
    assert named.frames[0].locals["cls"] == "<class 'Inventory'>"
    init = trace_call(SHOP, function="Inventory.__init__", args="Inventory('depot')")
    assert init.frames[0].locals == {"self": "Inventory()", "owner": "'depot'"}
    assert locals_at(init, 4)["self.owner"] == "'depot'"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Inventory().add(1)", CallArgs(("Inventory()", "1"))),
        ("inv.add(1, qty=2)", CallArgs(("inv", "1"), (("qty", "2"),))),
        ("Inventory.add(Inventory(), 1)", CallArgs(("Inventory()", "1"))),
    ],
)
def test_a_call_on_an_instance_passes_the_instance_first(text: str, expected: CallArgs) -> None:
    assert parse_call_args(text, "Inventory.add", receiver=True) == expected
