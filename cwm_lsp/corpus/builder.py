"""The state of one function being generated: its lines, the names in scope and their kinds.

Recipes (:mod:`~cwm_lsp.corpus.statements`, :mod:`~cwm_lsp.corpus.control`)
write lines through a :class:`Builder` and read the scope from it.  Names
bound inside a block leave the scope when the block ends (the block may not
run), names a loop iterates over are *frozen* (never mutated, so no loop
grows its own iterable), and a checkpoint lets a recipe that came out too
long be undone.
"""

from __future__ import annotations

import ast
import random
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from cwm_lsp.corpus.kinds import literal
from cwm_lsp.corpus.names import NamePool


@dataclass(frozen=True)
class Helper:
    """A helper function the main function may call."""

    name: str
    params: tuple[str, ...]  # kinds
    returns: str  # kind


@dataclass
class _Checkpoint:
    lines: int
    scope: dict[str, str]
    frozen: set[str]
    uses: dict[str, int]
    used_names: set[str]
    results: list[str]


@dataclass
class Builder:
    """Lines and scope of one function body being written."""

    rng: random.Random
    names: NamePool
    returns: str
    helpers: Sequence[Helper] = ()
    #: The function's parameters (inputs are small, so ``range(param)`` is short).
    params: frozenset[str] = frozenset()
    lines: list[str] = field(default_factory=list)
    scope: dict[str, str] = field(default_factory=dict)
    frozen: set[str] = field(default_factory=set)
    uses: dict[str, int] = field(default_factory=dict)
    indent: int = 1
    loop_depth: int = 0
    #: The innermost loop variable, preferred by :meth:`atom` inside its loop.
    focus: str | None = None
    #: Names that hold a result (loop accumulators, values set on every branch):
    #: what the function most likely returns.
    results: list[str] = field(default_factory=list)

    @property
    def depth(self) -> int:
        return self.indent - 1

    @property
    def in_loop(self) -> bool:
        return self.loop_depth > 0

    def emit(self, text: str) -> None:
        self.lines.append("    " * self.indent + text)

    def bind(self, name: str, kind: str) -> None:
        self.scope[name] = kind
        self.uses.setdefault(name, 0)

    def fresh(self, kind: str) -> str:
        """A new name for a value of ``kind`` (not yet in scope: :meth:`bind` it)."""
        return self.names.variable(kind)

    def vars_of(self, *kinds: str, mutable: bool = False) -> list[str]:
        return [
            name
            for name, kind in self.scope.items()
            if kind in kinds and not (mutable and name in self.frozen)
        ]

    def pick(self, *kinds: str, mutable: bool = False) -> str | None:
        """A variable of one of ``kinds``, favouring the loop variable and unused names."""
        names = self.vars_of(*kinds, mutable=mutable)
        if not names:
            return None
        if self.focus in names and self.rng.random() < 0.5:
            name = self.focus
        else:
            weights = [4 if self.uses.get(n, 0) == 0 else 1 for n in names]
            name = self.rng.choices(names, weights)[0]
        assert name is not None
        self.uses[name] = self.uses.get(name, 0) + 1
        return name

    def atom(self, kind: str) -> str:
        """A variable of ``kind`` if there is one (usually), else a literal."""
        name = self.pick(kind) if self.rng.random() < 0.85 else None
        return name if name is not None else literal(self.rng, kind)

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    @contextmanager
    def block(
        self, header: str, *, loop: bool = False, freeze: Sequence[str] = ()
    ) -> Iterator[None]:
        """Write ``header`` and indent; names bound inside leave the scope afterwards."""
        self.emit(header)
        scope, frozen, focus = dict(self.scope), set(self.frozen), self.focus
        self.indent += 1
        self.loop_depth += loop
        self.frozen.update(freeze)
        try:
            yield
        finally:
            self.indent -= 1
            self.loop_depth -= loop
            self.scope, self.frozen, self.focus = scope, frozen, focus

    def checkpoint(self) -> _Checkpoint:
        return _Checkpoint(
            len(self.lines),
            dict(self.scope),
            set(self.frozen),
            dict(self.uses),
            set(self.names.used),
            list(self.results),
        )

    def rollback(self, point: _Checkpoint) -> None:
        del self.lines[point.lines :]
        self.scope, self.frozen, self.uses = point.scope, point.frozen, point.uses
        self.names.used, self.results = point.used_names, point.results


def paren(text: str) -> str:
    """``text`` in parentheses unless it is already one operand (a name, call, subscript ...)."""
    try:
        node = ast.parse(text, mode="eval").body
    except SyntaxError:
        return f"({text})"
    atomic = (ast.Name, ast.Call, ast.Attribute, ast.Subscript, ast.List, ast.Dict, ast.ListComp)
    if isinstance(node, atomic) or (isinstance(node, ast.Tuple) and text.startswith("(")):
        return text
    # a constant is one operand; ``-1`` parses as an operator applied to 1, so it is wrapped
    return text if isinstance(node, ast.Constant) else f"({text})"
