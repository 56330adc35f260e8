"""Dead-store removal: generated programs keep only what their result depends on."""

from __future__ import annotations

import ast
import textwrap

from cwm_lsp.corpus.cleanup import prune_program


def prune(source: str) -> str:
    return prune_program(textwrap.dedent(source).lstrip("\n"))


def test_a_value_nothing_reads_is_removed_and_the_rest_keeps_its_text():
    pruned = prune(
        """
        def f(s):
            unused = s.upper()
            t = s.strip()
            return t
        """
    )

    assert pruned == "def f(s):\n    t = s.strip()\n    return t\n"


def test_an_accumulator_the_result_reads_is_kept_with_its_initialisation():
    source = """
        def f(xs):
            total = 0
            for x in xs:
                total += x
            return total
        """

    assert prune(source) == textwrap.dedent(source).lstrip("\n")


def test_a_loop_that_feeds_only_dead_values_goes_entirely():
    pruned = prune(
        """
        def f(xs, n):
            acc = []
            for x in xs:
                acc.append(x)
            return n
        """
    )

    assert pruned == "def f(xs, n):\n    return n\n"


def test_mutations_of_live_values_and_loop_exits_stay():
    pruned = prune(
        """
        def f(xs):
            first = xs.pop() if xs else 0
            total = 0
            for x in xs:
                if x > 3:
                    break
                noise = x * 2
                total += x
            return xs, total
        """
    )

    assert "first = xs.pop()" in pruned  # it changes xs, which is returned
    assert "noise" not in pruned
    assert "break" in pruned
    ast.parse(pruned)


def test_a_block_is_never_left_empty():
    pruned = prune(
        """
        def f(s):
            if s:
                dead = 1
            else:
                return 'empty'
            return s
        """
    )

    tree = ast.parse(pruned)
    branch = tree.body[0].body[0]
    assert isinstance(branch, ast.If) and branch.body and branch.orelse


def test_helpers_the_entry_function_no_longer_calls_are_removed():
    pruned = prune(
        """
        def helper(x):
            return x + 1

        def f(n):
            m = helper(n)
            return n
        """
    )

    assert pruned == "def f(n):\n    return n\n"
