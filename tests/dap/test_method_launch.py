"""Compare mode on a method: the launcher calls ``Class.method`` with the instance first."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cwm_lsp.dap.launch_config import call_arguments_source
from cwm_lsp.dap.launcher import write_launcher

SHOP = """\
class Inventory:
    def __init__(self, owner="shop"):
        self.owner = owner
        self.items = {}

    def add(self, name, qty=1):
        self.items[name] = qty
        return self.items

    @property
    def count(self):
        return len(self.items)
"""


@pytest.mark.parametrize(
    ("args", "function", "expected"),
    [
        ("Inventory().add('a', qty=2)", "Inventory.add", "Inventory(), 'a', qty=2"),
        ("inv.add('a')", "Inventory.add", "inv, 'a'"),
        ("Inventory().count", "Inventory.count", "Inventory()"),
        ("Inventory('x')", "Inventory.__init__", "Inventory.__new__(Inventory), 'x'"),
        ("Inventory.add(Inventory(), 'a')", "Inventory.add", "Inventory(), 'a'"),
    ],
)
def test_a_call_on_an_instance_passes_it_first(args: str, function: str, expected: str) -> None:
    assert call_arguments_source(args, function) == expected


@pytest.mark.parametrize(
    ("function", "args", "printed"),
    [
        ("Inventory.add", "Inventory().add('a', 2)", "{'a': 2}"),
        ("Inventory.count", "Inventory().count", "0"),
    ],
)
def test_the_launcher_resolves_a_method_and_a_property(
    tmp_path: Path, function: str, args: str, printed: str
) -> None:
    program = tmp_path / "shop.py"
    program.write_text(SHOP, encoding="utf-8")
    launcher = write_launcher(program, function, call_arguments_source(args, function))
    script = launcher.read_text(encoding="utf-8") + "print(_cwm_result)\n"
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == printed
