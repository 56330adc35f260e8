"""Source normalisation for decontamination: the same code under other names looks the same.

:func:`canonical_tree` parses a program, drops docstrings and renames every
identifier the program binds (functions, parameters, locals, loop and
comprehension variables, exception names) to ``v0``, ``v1`` ... in order of
first appearance; builtins it does not rebind, attribute names (``.split``)
and literals stay.  Two programs that differ only in names, formatting,
comments or docstrings have the same :func:`exact_key`;
:func:`token_ngrams` of the canonical text measure how close two that differ
a little are.
"""

from __future__ import annotations

import ast
import builtins
import hashlib
import io
import tokenize

_BUILTINS = frozenset(dir(builtins))
_SKIP_TOKENS = frozenset(
    {tokenize.NEWLINE, tokenize.NL, tokenize.COMMENT, tokenize.ENCODING, tokenize.ENDMARKER}
)


def _bound_names(tree: ast.AST) -> set[str]:
    bound: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            bound.add(node.id)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(
            node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.ExceptHandler
        ):
            if node.name:
                bound.add(node.name)
        elif isinstance(node, ast.alias):
            bound.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.Global | ast.Nonlocal):
            bound.update(node.names)
    return bound


class _Renamer(ast.NodeTransformer):
    def __init__(self, bound: set[str]) -> None:
        self.bound = bound
        self.names: dict[str, str] = {}

    def canonical(self, name: str) -> str:
        if name in _BUILTINS and name not in self.bound:
            return name
        if name not in self.names:
            self.names[name] = f"v{len(self.names)}"
        return self.names[name]

    def visit_Name(self, node: ast.Name) -> ast.Name:
        node.id = self.canonical(node.id)
        return node

    def visit_arg(self, node: ast.arg) -> ast.arg:
        node.arg = self.canonical(node.arg)
        node.annotation = None
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.FunctionDef:
        node.name = self.canonical(node.name)
        node.returns = None
        self.generic_visit(node)
        return node

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> ast.ExceptHandler:
        if node.name:
            node.name = self.canonical(node.name)
        self.generic_visit(node)
        return node

    def visit_Call(self, node: ast.Call) -> ast.Call:
        # keyword names of calls of the program's own functions are its parameter names
        if isinstance(node.func, ast.Name) and node.func.id in self.bound:
            for keyword in node.keywords:
                if keyword.arg is not None:
                    keyword.arg = self.canonical(keyword.arg)
        self.generic_visit(node)
        return node

    def visit_Global(self, node: ast.Global) -> ast.Global:
        node.names = [self.canonical(name) for name in node.names]
        return node

    def visit_Nonlocal(self, node: ast.Nonlocal) -> ast.Nonlocal:
        node.names = [self.canonical(name) for name in node.names]
        return node


def _strip_docstrings(tree: ast.AST) -> None:
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            body = node.body
            if (
                body
                and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)
            ):
                node.body = body[1:] or [ast.Pass()]


def canonical_tree(source: str) -> ast.Module | None:
    """The program with docstrings dropped and bound names renamed; None if it does not parse."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    _strip_docstrings(tree)
    # the transformer walks depth first in field order: names depend on structure only
    renamer = _Renamer(_bound_names(tree))
    renamer.visit(tree)
    return tree


def program_parts(source: str) -> list[str]:
    """The program, then each of its top-level functions alone when it has several."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return [source]
    functions = [n for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    if len(functions) < 2:
        return [source]
    return [source, *(ast.unparse(function) for function in functions)]


def canonical_source(source: str) -> str | None:
    tree = canonical_tree(source)
    return None if tree is None else ast.unparse(tree)


def exact_key(source: str) -> str | None:
    """A hash equal for programs equal up to names, formatting, comments and docstrings."""
    tree = canonical_tree(source)
    if tree is None:
        return None
    return hashlib.sha256(ast.dump(tree, annotate_fields=False).encode("utf-8")).hexdigest()


def canonical_tokens(source: str) -> list[str] | None:
    """The tokens of the canonical source; indentation changes are tokens too."""
    text = canonical_source(source)
    if text is None:
        return None
    tokens: list[str] = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type in _SKIP_TOKENS:
                continue
            if token.type == tokenize.INDENT:
                tokens.append("<indent>")
            elif token.type == tokenize.DEDENT:
                tokens.append("<dedent>")
            else:
                tokens.append(token.string)
    except (tokenize.TokenError, SyntaxError):
        return None
    return tokens


def token_ngrams(source: str, n: int) -> frozenset[tuple[str, ...]] | None:
    """The set of ``n``-grams of :func:`canonical_tokens` (the whole sequence if shorter)."""
    tokens = canonical_tokens(source)
    if tokens is None:
        return None
    if len(tokens) <= n:
        return frozenset({tuple(tokens)})
    return frozenset(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def jaccard(a: frozenset[tuple[str, ...]], b: frozenset[tuple[str, ...]]) -> float:
    if not a and not b:
        return 1.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)
