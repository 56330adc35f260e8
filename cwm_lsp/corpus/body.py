"""Function bodies: pick statement recipes by weight until the line budget is spent."""

from __future__ import annotations

from collections.abc import Callable

from cwm_lsp.corpus.builder import Builder
from cwm_lsp.corpus.control import branch_assign, early_return, for_loop, if_else, while_loop
from cwm_lsp.corpus.risky import raise_and_catch, try_except, unguarded
from cwm_lsp.corpus.statements import SIMPLE, assign_new

Compound = Callable[[Builder, Callable[[Builder], None]], bool]

#: Compound recipes and their weights (only up to two levels deep).
COMPOUND: tuple[tuple[Compound, int], ...] = (
    (if_else, 4),
    (branch_assign, 3),
    (for_loop, 16),
    (while_loop, 4),
    (try_except, 2),
    (raise_and_catch, 1),
    (early_return, 1),
)

#: Deepest block (0 = the function body) that may open another block.
MAX_BLOCK_DEPTH = 1


def write_statement(b: Builder) -> None:
    """Write one statement (simple or compound) at the builder's current indentation."""
    recipes: list[tuple[Callable[..., bool], int, bool]] = [(r, w, False) for r, w in SIMPLE]
    if b.depth <= MAX_BLOCK_DEPTH:
        recipes += [(r, w, True) for r, w in COMPOUND]
    if b.depth == 0 and not b.in_loop:
        recipes.append((unguarded, 2, False))
    weights = [weight for _, weight, _ in recipes]
    for _ in range(12):
        recipe, _, nested = b.rng.choices(recipes, weights)[0]
        point = b.checkpoint()
        if recipe(b, write_statement) if nested else recipe(b):
            return
        b.rollback(point)
    assign_new(b)


def write_body(b: Builder, target_lines: int, max_lines: int) -> None:
    """Statements until ``target_lines`` lines are written, never more than ``max_lines``."""
    while len(b.lines) < target_lines:
        point = b.checkpoint()
        write_statement(b)
        if len(b.lines) > max_lines:
            b.rollback(point)
            if len(b.lines) < max_lines:
                assign_new(b)
            return
