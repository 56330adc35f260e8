"""The seeded program generator: small terminating functions and inputs that fit them.

``generate_program(seed, index)`` is a pure function of its two numbers: the
same pair gives the same :class:`Program`, byte for byte, in any process
(``random.Random`` seeded with a string is stable across runs and
platforms).  A program is a main function of 3 to 15 lines, maybe preceded
by one or two small helpers it calls, composed statement by statement from
the recipes of :mod:`~cwm_lsp.corpus.statements`,
:mod:`~cwm_lsp.corpus.control` and :mod:`~cwm_lsp.corpus.risky` with random
names and constants, plus arguments drawn for its parameters.  Nothing here
comes from any benchmark: the recipes are ordinary Python idioms.
"""

from __future__ import annotations

import ast
import random
from dataclasses import dataclass

from cwm_lsp.corpus.body import write_body, write_statement
from cwm_lsp.corpus.builder import Builder, Helper
from cwm_lsp.corpus.cleanup import prune_program
from cwm_lsp.corpus.expressions import expression
from cwm_lsp.corpus.kinds import (
    INT,
    PARAM_KINDS,
    RETURN_KINDS,
    STR,
    args_text,
    literal,
    random_value,
)
from cwm_lsp.corpus.names import NamePool

#: Most lines of the main function, ``def`` and ``return`` included.
MAX_LINES = 15
MIN_LINES = 3


@dataclass(frozen=True)
class Program:
    """A generated program: its source, the entry function and the call's args text."""

    source: str
    function: str
    args: str


#: Tries per program; a try is rejected when its main function comes out too short
#: or too long after dead stores are removed, or leaves a parameter unread.
ATTEMPTS = 12


def generate_program(seed: int, index: int) -> Program:
    """Program number ``index`` of the stream seeded by ``seed``."""
    for attempt in range(ATTEMPTS):
        rng = random.Random(f"cwm-lsp corpus:{seed}:{index}:{attempt}")
        program, fits = _attempt(rng)
        if fits:
            break
    return program


def _attempt(rng: random.Random) -> tuple[Program, bool]:
    names = NamePool(rng)
    helpers: list[Helper] = []
    chunks: list[str] = []
    for _ in range(rng.choices((0, 1, 2), (62, 32, 6))[0]):
        helper, text = _helper(rng, names, helpers)
        helpers.append(helper)
        chunks.append(text)
    main, kinds, defaults = _main(rng, names, helpers)
    chunks.append(main)
    source = prune_program("\n\n".join(chunks) + "\n")
    function = ast.parse(source).body[-1]
    assert isinstance(function, ast.FunctionDef)
    lines = ast.unparse(function).count("\n") + 1
    functions = [node for node in ast.parse(source).body if isinstance(node, ast.FunctionDef)]
    fits = MIN_LINES <= lines <= MAX_LINES and all(map(_reads_its_params, functions))
    args = _arguments(rng, function, kinds, defaults, source)
    return Program(source, function.name, args), fits


def _reads_its_params(function: ast.FunctionDef) -> bool:
    read = {n.id for n in ast.walk(function) if isinstance(n, ast.Name)}
    return all(arg.arg in read for arg in function.args.args)


def _signature(
    rng: random.Random, names: NamePool, kinds: list[str], *, annotate: bool
) -> tuple[list[str], list[str]]:
    params = [names.variable(kind) for kind in kinds]
    texts = [f"{p}: {k}" if annotate else p for p, k in zip(params, kinds, strict=True)]
    return params, texts


def _helper(rng: random.Random, names: NamePool, earlier: list[Helper]) -> tuple[Helper, str]:
    """A small helper: 1-2 parameters, a few statements, no loops, params never mutated."""
    kinds = [rng.choice((*PARAM_KINDS, INT, STR)) for _ in range(rng.choice((1, 1, 2)))]
    returns = rng.choice(RETURN_KINDS)
    name = names.helper()
    params, texts = _signature(rng, names, kinds, annotate=rng.random() < 0.2)
    b = Builder(rng, names, returns, helpers=tuple(earlier), params=frozenset(params))
    for param, kind in zip(params, kinds, strict=True):
        b.bind(param, kind)
    b.frozen.update(params)
    b.loop_depth = 1  # no loops and no growing operations inside a helper
    write_body(b, rng.randint(0, 3), 4)
    b.emit(f"return {expression(b, returns, 1)}")
    text = "\n".join([f"def {name}({', '.join(texts)}):", *b.lines])
    return Helper(name, tuple(kinds), returns), text


def _main(
    rng: random.Random, names: NamePool, helpers: list[Helper]
) -> tuple[str, list[str], dict[str, str]]:
    """The entry function: its text, its parameter kinds, defaults (param -> literal)."""
    kinds = [rng.choice(PARAM_KINDS) for _ in range(rng.choices((1, 2, 3), (35, 45, 20))[0])]
    returns = rng.choice(RETURN_KINDS)
    name = names.function()
    params, texts = _signature(rng, names, kinds, annotate=rng.random() < 0.15)
    defaults: dict[str, str] = {}
    if kinds[-1] in (INT, STR) and rng.random() < 0.15:
        defaults[params[-1]] = literal(rng, kinds[-1])
        texts[-1] += (
            f" = {defaults[params[-1]]}" if ":" in texts[-1] else f"={defaults[params[-1]]}"
        )
    b = Builder(rng, names, returns, helpers=tuple(helpers), params=frozenset(params))
    for param, kind in zip(params, kinds, strict=True):
        b.bind(param, kind)
    if helpers:
        # the main function calls its helpers: make sure at least once
        write_body(b, rng.randint(0, 4), MAX_LINES - 4)
        point = len(b.lines)
        _call_helpers(b)
        if len(b.lines) == point:
            write_statement(b)
    write_body(b, rng.randint(MIN_LINES - 2, MAX_LINES - 4), MAX_LINES - 2)
    b.emit(f"return {_return_value(b)}")
    return "\n".join([f"def {name}({', '.join(texts)}):", *b.lines]), kinds, defaults


def _call_helpers(b: Builder) -> None:
    for helper in b.helpers:
        if not any(f"{helper.name}(" in line for line in b.lines):
            name = b.fresh(helper.returns)
            arguments = ", ".join(b.atom(kind) for kind in helper.params)
            b.emit(f"{name} = {helper.name}({arguments})")
            b.bind(name, helper.returns)


def _return_value(b: Builder) -> str:
    """What the main function returns: usually the latest value of the return kind."""
    if b.chance(0.12):
        pool = [name for name in b.scope if b.uses.get(name, 0) == 0] or list(b.scope)
        if len(pool) >= 2:
            first, second = b.rng.sample(pool, 2)
            return f"{first}, {second}"
    results = [name for name in b.results if name in b.scope]
    fitting = [name for name in results if b.scope[name] == b.returns]
    if fitting and b.chance(0.75):
        return fitting[-1]
    candidates = b.vars_of(b.returns)
    if candidates and b.chance(0.5):
        return candidates[-1]
    if results:
        b.focus = results[-1]
    return expression(b, b.returns, 1)


def _arguments(
    rng: random.Random,
    function: ast.FunctionDef,
    kinds: list[str],
    defaults: dict[str, str],
    source: str,
) -> str:
    """Args text for the entry function, with values that fit its parameters."""
    hints = sorted(
        {
            node.value
            for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value
        }
    )
    params = [arg.arg for arg in function.args.args]
    values = [random_value(rng, kind, hints) for kind in kinds]
    keywords: list[tuple[str, object]] = []
    if defaults:
        roll = rng.random()
        if roll < 0.4:
            values.pop()
        elif roll < 0.7:
            keywords.append((params[-1], values.pop()))
    return args_text(values, keywords)
