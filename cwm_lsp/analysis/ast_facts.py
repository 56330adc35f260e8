"""Facts about Python names and ``ast`` nodes that the termination rules share: which
built-ins and methods are free of side effects or can raise, and walks over a body's own nodes."""

from __future__ import annotations

import ast
import builtins
from collections.abc import Iterator, Sequence


def words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: built-ins that neither change their arguments nor raise on values they took once
SAFE_CALLS = words(
    "abs all any ascii bin bool dict enumerate format frozenset hash hex isinstance len "
    "list oct print range repr reversed round set sorted str tuple type zip"
)
#: built-ins without side effects that can raise for some values (``int('x')``, ``max([])``)
RISKY_CALLS = words("chr complex divmod float int max min ord pow sum")
#: methods that change nothing and cannot raise on a receiver of a type they took once
PURE_METHODS = words(
    "copy count endswith find get items keys values startswith rfind upper lower strip "
    "lstrip rstrip split rsplit splitlines replace title capitalize casefold swapcase "
    "center ljust rjust zfill partition rpartition expandtabs removeprefix removesuffix "
    "isdigit isalpha isalnum isspace isupper islower istitle isdecimal isnumeric "
    "isidentifier isprintable"
)
#: methods that change their receiver in place and cannot raise on values they took once
MUTATING_METHODS = words("append extend insert add clear update setdefault discard")
#: methods that can raise for some values (``index`` of a missing item, ``pop`` of nothing)
RISKY_METHODS = words("index rindex join format encode decode translate")
#: ...and those that also change their receiver
RISKY_MUTATING_METHODS = words("pop popitem remove sort reverse")
#: operators that can raise for some values (a zero divisor, a float overflow)
RISKY_OPERATORS = (ast.Div, ast.FloorDiv, ast.Mod, ast.Pow, ast.LShift, ast.RShift, ast.MatMult)

#: modules whose functions depend on their arguments alone
PURE_MODULES = words(
    "math cmath string operator re copy bisect heapq itertools functools collections"
)
#: built-ins with hidden state or outside effects: they read (or are) inputs
IMPURE_BUILTINS = words(
    "input open id globals locals vars eval exec compile __import__ breakpoint exit "
    "quit help memoryview setattr delattr"
)
BUILTINS = frozenset(name for name in dir(builtins) if not name.startswith("_"))
#: constructors whose reprs show the whole value
WHOLE_CALLS = words("set frozenset range bytearray deque Counter OrderedDict slice")
WHOLE_NAMES = words("True False None inf nan Ellipsis")

COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


# ---------------------------------------------------------------------- ast helpers


def own_nodes(body: Sequence[ast.AST], *, into_expressions: bool = False) -> Iterator[ast.AST]:
    """Every node of a body, not those inside nested functions and classes (nor, unless
    ``into_expressions``, inside lambdas)."""
    todo = list(body)
    while todo:
        node = todo.pop()
        yield node
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            todo.extend(node.decorator_list)
            continue
        if isinstance(node, ast.Lambda) and not into_expressions:
            continue
        todo.extend(ast.iter_child_nodes(node))


def walk_expr(expr: ast.expr) -> Iterator[ast.AST]:
    """The nodes of an expression (comprehensions included, lambda bodies not)."""
    todo: list[ast.AST] = [expr]
    while todo:
        node = todo.pop()
        yield node
        if not isinstance(node, ast.Lambda):
            todo.extend(ast.iter_child_nodes(node))


def names_in(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def root_of(expr: ast.expr) -> ast.expr:
    """``x`` of ``x.a[0].b()``: the value an access chain starts from."""
    while isinstance(expr, ast.Attribute | ast.Subscript | ast.Call):
        expr = expr.func if isinstance(expr, ast.Call) else expr.value
    return expr


def root_name_of(expr: ast.expr) -> str | None:
    root = root_of(expr)
    return root.id if isinstance(root, ast.Name) else None


def params_of(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> set[str]:
    args = node.args
    names = {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]}
    names |= {a.arg for a in (args.vararg, args.kwarg) if a is not None}
    return names


def lambda_params_of(node: ast.AST) -> set[str]:
    return {p for n in ast.walk(node) if isinstance(n, ast.Lambda) for p in params_of(n)}


def bound_in(nodes: Sequence[ast.AST]) -> set[str]:
    """Names the nodes themselves bind (targets, imports, defs, handlers, patterns); the
    caller passes every node of the scope (:func:`own_nodes`)."""
    names: set[str] = set()
    for n in nodes:
        if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load):
            names.add(n.id)
        elif isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(n.name)
        elif isinstance(n, ast.Import | ast.ImportFrom):
            names.update((a.asname or a.name).split(".")[0] for a in n.names)
        elif isinstance(n, ast.ExceptHandler | ast.MatchAs | ast.MatchStar) and n.name:
            names.add(n.name)
    return names


def module_level_names(module: ast.Module) -> set[str]:
    return bound_in(list(own_nodes(module.body)))


def nonlocal_in_nested(node: ast.FunctionDef) -> set[str]:
    return {name for n in ast.walk(node) if isinstance(n, ast.Nonlocal) for name in n.names}
