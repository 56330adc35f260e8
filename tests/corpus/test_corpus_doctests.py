"""Mining doctests: single calls with literal arguments of self-contained functions."""

from __future__ import annotations

import textwrap

from cwm_lsp.corpus.doctests import mine, mine_file
from cwm_lsp.corpus.tracing import trace_candidate

MODULE = '''
import re

SUFFIX = "!"


def _shout(word):
    return word.upper() + SUFFIX


def greet(name, times=1):
    """Greet loudly.

    >>> greet('bob')
    'HI BOB!'
    >>> greet('al', times=2)
    'HI AL!HI AL!'
    >>> x = 'eve'
    >>> greet(x)
    'HI EVE!'
    """
    return ("HI " + _shout(name)) * times


def words(text):
    """Uses a module it imports: not self-contained.

    >>> words('a b')
    ['a', 'b']
    """
    return re.split(" ", text)


def reader(path):
    """Calls a builtin with effects.

    >>> reader('x.txt')
    ''
    """
    return open(path).read()


def scaled(ctx, x):
    """The module binds ctx before the call, so the example does not fit the signature.

    >>> scaled(2)
    4
    """
    return ctx * x


def pair(t):
    """A single tuple argument.

    >>> pair((1, 2))
    3
    """
    return t[0] + t[1]
'''


def write_module(tmp_path):
    path = tmp_path / "toy.py"
    path.write_text(textwrap.dedent(MODULE).lstrip())
    return path


def test_a_self_contained_function_is_mined_with_what_it_needs_and_no_docstring(tmp_path):
    found = {c.id: c for c in mine_file(write_module(tmp_path), "toy")}

    assert sorted(found) == ["doctest-toy-greet-0", "doctest-toy-greet-1", "doctest-toy-pair-0"]
    first = found["doctest-toy-greet-0"]
    assert (first.origin, first.function, first.args, first.expected) == (
        "doctest:toy", "greet", "'bob'", "'HI BOB!'",
    )  # fmt: skip
    assert found["doctest-toy-greet-1"].args == "'al', times=2"
    assert found["doctest-toy-pair-0"].args == "(1, 2),"
    assert first.source.startswith('SUFFIX = "!"\n\ndef _shout(word):')
    assert ">>>" not in first.source and '"""' not in first.source


def test_examples_whose_arguments_are_not_literals_are_skipped(tmp_path):
    ids = [c.id for c in mine_file(write_module(tmp_path), "toy")]

    assert "doctest-toy-greet-2" not in ids


def test_functions_that_import_have_effects_or_whose_calls_do_not_fit_are_skipped(tmp_path):
    functions = {c.function for c in mine([write_module(tmp_path)])}

    assert functions == {"greet", "pair"}


def test_a_mined_example_traces_to_its_expected_value(tmp_path):
    [first] = [c for c in mine_file(write_module(tmp_path), "toy") if c.args == "'bob'"]

    outcome = trace_candidate(first)

    assert outcome.row is not None
    assert outcome.row["return_value"] == first.expected == "'HI BOB!'"
    assert outcome.row["origin"] == "doctest:toy"
