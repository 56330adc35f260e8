"""What kind of value each parameter of a def should get, from its annotation or its use.

When the model invents inputs, a parameter whose body calls ``.lower()`` on
it must get a string, not ``1234567890``.  :func:`param_kinds` reads the
kind of each parameter off the ``ast``, in this order:

1. its annotation (``text: str``, ``xs: list[int]``, ``p: Point``,
   ``Optional[X]`` as ``X``);
2. its default's type (``qty=1`` is a number);
3. how the body uses it.  Each clue says which types the value may have,
   and the kind is what every clue allows: a ``str`` method (``.lower()``,
   ``.split()``), a comparison or concatenation with a string, or being an
   argument of a ``str`` method (``text.endswith(suffix)``) says ``str``;
   ``.items()``, ``.keys()``, ``.get()`` or a string key ``p['k']`` a
   ``dict``; ``.append()`` or ``.sort()`` a ``list``; ``.pop()``,
   ``.copy()`` or ``.clear()`` a ``container`` (list, dict or set);
   ``range(p)``, ``p % 2`` an ``int``; other arithmetic or a comparison with
   a number a ``number``; a slice or ``.count()`` a ``sequence`` (string,
   list or tuple); an index ``p[i]`` something ``subscriptable``; iteration,
   ``len(p)`` or ``in p`` a ``collection``; an attribute of a class of the
   file (``p.x`` where that class sets ``self.x``, or one of its methods) an
   ``instance`` of it.  Clues after the body rebinds the name are about
   another value and are not counted.

Clues that disagree (a string method and ``.append()``) give ``any``.
A list whose items the body treats as strings (``for w in words: w.lower()``,
``' '.join(words)``) is a list of ``str`` (:attr:`Kind.item`).
"""

from __future__ import annotations

import ast
from collections import Counter

from cwm_lsp.analysis.param_annotations import ANY, Kind, annotation_kind, value_kind
from cwm_lsp.analysis.receivers import class_attributes, classes_of, methods_of

__all__ = ["ANY", "KINDS", "Kind", "param_kinds"]


def _words(text: str) -> list[str]:
    return text.split()


#: kinds a value can be asked to have
KINDS = tuple(
    _words("any str int number bool list dict sequence subscriptable container collection instance")
)

STR_METHODS = frozenset(
    _words(
        "lower upper strip lstrip rstrip split rsplit splitlines startswith endswith replace "
        "find rfind isdigit isalpha isalnum isspace islower isupper title capitalize casefold "
        "swapcase center ljust rjust zfill partition rpartition encode format expandtabs "
        "removeprefix removesuffix isnumeric isdecimal istitle isidentifier translate isascii "
        "isprintable"
    )
)
LIST_METHODS = frozenset(_words("append extend insert sort reverse"))
#: methods of lists, dicts and sets alike; of strings, lists and tuples alike
CONTAINER_METHODS = frozenset(_words("pop clear copy remove"))
SEQUENCE_METHODS = frozenset(_words("count index"))
#: str methods whose arguments are strings; whose first argument is an int
STR_ARGUMENTS = frozenset(
    _words(
        "startswith endswith split rsplit strip lstrip rstrip replace find rfind partition "
        "rpartition removeprefix removesuffix"
    )
)
INT_FIRST_ARGUMENT = frozenset(_words("center ljust rjust zfill expandtabs pop insert"))
DICT_METHODS = frozenset(_words("items keys values get setdefault update popitem fromkeys"))
#: builtins whose argument is iterated
ITERATING = frozenset(
    _words("len sorted reversed enumerate zip list tuple set sum max min any all iter map filter")
)
_INT_OPS = (ast.Mod, ast.FloorDiv, ast.LShift, ast.RShift, ast.BitAnd, ast.BitOr, ast.BitXor)
#: each clue says which types a value may have; a parameter's kind is what all its clues allow
_TYPES: dict[str, frozenset[str]] = {
    "str": frozenset({"str"}),
    "int": frozenset({"int"}),
    "number": frozenset({"int", "float"}),
    "bool": frozenset({"bool"}),
    "list": frozenset({"list"}),
    "dict": frozenset({"dict"}),
    "instance": frozenset({"instance"}),
    "sequence": frozenset({"str", "list", "tuple"}),
    "subscriptable": frozenset({"str", "list", "tuple", "dict"}),
    "container": frozenset({"list", "dict", "set"}),
    "collection": frozenset({"str", "list", "tuple", "dict", "set"}),
}
#: the kind a set of possible types is written as, most specific first
_KIND_OF = sorted(((types, name) for name, types in _TYPES.items()), key=lambda t: len(t[0]))


def param_kinds(
    tree: ast.Module,
    node: ast.FunctionDef | ast.AsyncFunctionDef,
    _seen: frozenset[str] = frozenset(),
) -> dict[str, Kind]:
    """Parameter -> :class:`Kind` for every parameter of ``node``.

    A parameter passed on to another function of the file (``tokens(text)``)
    also gets the kind that function's parameter has there."""
    a = node.args
    params = [*a.posonlyargs, *a.args, *a.kwonlyargs]
    defaults: dict[str, ast.expr] = dict(
        zip([p.arg for p in [*a.posonlyargs, *a.args]][::-1], a.defaults[::-1], strict=False)
    )
    for param, default in zip(a.kwonlyargs, a.kw_defaults, strict=True):
        if default is not None:
            defaults[param.arg] = default
    classes = classes_of(tree)
    usage = _Usage(node, classes, tree, _seen | {node.name})
    out: dict[str, Kind] = {}
    for param in params:
        kind = annotation_kind(param.annotation, classes)
        if kind is None and param.arg in defaults:
            kind = value_kind(defaults[param.arg])
        if kind is None:
            kind = usage.kind_of(param.arg)
        out[param.arg] = kind
    return out


class _Usage:
    """The clues a body gives about each name it uses."""

    def __init__(
        self,
        node: ast.FunctionDef | ast.AsyncFunctionDef,
        classes: dict[str, ast.ClassDef],
        tree: ast.Module,
        seen: frozenset[str] = frozenset(),
    ) -> None:
        self.tree, self.seen = tree, seen
        #: the file's top-level functions, whose parameters' kinds an argument takes
        self.functions = {
            n.name: n for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
        }
        self.votes: dict[str, Counter[str]] = {}
        self.instance_of: dict[str, Counter[str]] = {}
        self.item_votes: dict[str, Counter[str]] = {}
        #: attribute -> the classes it belongs to (data attributes and methods)
        self.owners: dict[str, set[str]] = {}
        for name, cls in classes.items():
            for attribute in [*class_attributes(tree, name), *methods_of(cls)]:
                self.owners.setdefault(attribute, set()).add(name)
        #: name -> the first line that rebinds it (later clues are about another value)
        self.rebound: dict[str, int] = {}
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
                self.rebound[sub.id] = min(sub.lineno, self.rebound.get(sub.id, sub.lineno))
        self.loop_items: dict[str, str] = {}  # loop variable -> iterated name
        for sub in ast.walk(node):
            if (
                isinstance(sub, ast.For | ast.comprehension)
                and isinstance(sub.iter, ast.Name)
                and isinstance(sub.target, ast.Name)
            ):
                self.loop_items[sub.target.id] = sub.iter.id
        for sub in ast.walk(node):
            self._visit(sub)
        for variable, iterated in self.loop_items.items():
            for kind, count in self.votes.get(variable, Counter()).items():
                self.item_votes.setdefault(iterated, Counter())[kind] += count

    def vote(self, expr: ast.expr, kind: str) -> None:
        """One clue about ``expr`` (a name's, before the body first rebinds it)."""
        if isinstance(expr, ast.Name) and expr.lineno <= self.rebound.get(expr.id, expr.lineno):
            self.votes.setdefault(expr.id, Counter())[kind] += 1

    def _visit(self, sub: ast.AST) -> None:
        if isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name):
            self._attribute(sub)
        elif isinstance(sub, ast.Subscript):
            self.vote(sub.value, _subscript_kind(sub.slice))
        elif isinstance(sub, ast.For | ast.comprehension):
            self.vote(sub.iter, "collection")
        elif isinstance(sub, ast.Compare):
            self._compare(sub)
        elif isinstance(sub, ast.BinOp):
            self._binop(sub)
        elif isinstance(sub, ast.AugAssign) and isinstance(sub.target, ast.Name):
            self._binop(ast.BinOp(sub.target, sub.op, sub.value))
        elif isinstance(sub, ast.UnaryOp) and isinstance(sub.op, ast.USub | ast.Invert):
            self.vote(sub.operand, "number")
        elif isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name):
            self._call(sub, sub.func.id)
        elif isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute):
            self._method_arguments(sub, sub.func.attr)

    def _method_arguments(self, sub: ast.Call, method: str) -> None:
        if method == "join":
            for arg in sub.args:  # ' '.join(words): an iterable of strings
                self.vote(arg, "collection")
                if isinstance(arg, ast.Name):
                    self.item_votes.setdefault(arg.id, Counter())["str"] += 1
        elif method in STR_ARGUMENTS:
            for arg in sub.args[:2]:
                if not _is_number(arg):
                    self.vote(arg, "str")
        elif method in INT_FIRST_ARGUMENT and sub.args:
            self.vote(sub.args[0], "int")

    def _attribute(self, sub: ast.Attribute) -> None:
        assert isinstance(sub.value, ast.Name)
        attribute = sub.attr
        if attribute in STR_METHODS:
            self.vote(sub.value, "str")
        elif attribute in DICT_METHODS:
            self.vote(sub.value, "dict")
        elif attribute in LIST_METHODS:
            self.vote(sub.value, "list")
        elif attribute in CONTAINER_METHODS:
            self.vote(sub.value, "container")
        elif attribute in SEQUENCE_METHODS:
            self.vote(sub.value, "sequence")
        elif attribute == "join":
            self.vote(sub.value, "str")
        elif attribute in self.owners:
            self.vote(sub.value, "instance")
            counter = self.instance_of.setdefault(sub.value.id, Counter())
            counter.update(self.owners[attribute])

    def _compare(self, sub: ast.Compare) -> None:
        operands = [sub.left, *sub.comparators]
        for op, right in zip(sub.ops, sub.comparators, strict=True):
            if isinstance(op, ast.In | ast.NotIn):
                self.vote(right, "collection")
        if any(isinstance(op, ast.In | ast.NotIn) for op in sub.ops):
            return
        for operand in operands:
            others = [o for o in operands if o is not operand]
            for other in others:
                if isinstance(other, ast.List | ast.ListComp):
                    self.vote(operand, "list")
                elif isinstance(other, ast.Dict):
                    self.vote(operand, "dict")
                elif isinstance(other, ast.Constant):
                    if isinstance(other.value, str):
                        self.vote(operand, "str")
                    elif _is_number(other):
                        self.vote(operand, "number")

    def _binop(self, sub: ast.BinOp) -> None:
        for side, other in ((sub.left, sub.right), (sub.right, sub.left)):
            if isinstance(other, ast.Constant) and isinstance(other.value, str):
                if isinstance(sub.op, ast.Add):
                    self.vote(side, "str")
                continue
            if isinstance(other, ast.List | ast.ListComp) and isinstance(sub.op, ast.Add):
                self.vote(side, "list")
                continue
            if isinstance(sub.op, _INT_OPS) and not (
                isinstance(sub.op, ast.Mod) and side is sub.right and _is_str(sub.left)
            ):
                self.vote(side, "int")
            elif isinstance(sub.op, ast.Sub | ast.Div | ast.Pow) or (
                isinstance(sub.op, ast.Add) and _is_number(other)
            ):
                self.vote(side, "number")

    def _call(self, sub: ast.Call, name: str) -> None:
        if name == "range":
            for arg in sub.args:
                self.vote(arg, "int")
        elif name in ("abs", "round", "divmod", "pow"):
            for arg in sub.args:
                self.vote(arg, "number")
        elif name in ITERATING:
            for arg in sub.args:
                self.vote(arg, "collection")
        elif name in ("ord",):
            for arg in sub.args:
                self.vote(arg, "str")
        elif name in self.functions and name not in self.seen and len(self.seen) < 3:
            callee = self.functions[name]
            kinds = param_kinds(self.tree, callee, self.seen)
            params = [p.arg for p in [*callee.args.posonlyargs, *callee.args.args]]
            for arg, param in zip(sub.args, params, strict=False):
                if kinds[param].name in _TYPES:
                    self.vote(arg, kinds[param].name)

    def kind_of(self, name: str) -> Kind:
        votes = self.votes.get(name, Counter())
        item = _item_kind(self.item_votes.get(name, Counter()))
        if not votes:
            return Kind("sequence", item=item) if item != "any" else ANY
        possible = frozenset.intersection(*(_TYPES[k] for k in votes if k in _TYPES))
        kind = next((n for types, n in _KIND_OF if possible and possible <= types), "any")
        if kind == "instance":
            owner = self.instance_of.get(name, Counter()).most_common(1)
            return Kind("instance", owner[0][0]) if owner else ANY
        holds_items = kind in ("list", "sequence", "collection", "container")
        return Kind(kind, item=item if holds_items else "any")


def _item_kind(votes: Counter[str]) -> str:
    specific = {k for k in votes if k in ("str", "int", "number")}
    return specific.pop() if len(specific) == 1 else "any"


def _subscript_kind(index: ast.expr) -> str:
    if isinstance(index, ast.Constant) and isinstance(index.value, str):
        return "dict"
    if isinstance(index, ast.Slice):
        return "sequence"
    return "subscriptable"


def _is_str(node: ast.expr) -> bool:
    return (isinstance(node, ast.Constant) and isinstance(node.value, str)) or isinstance(
        node, ast.JoinedStr
    )


def _is_number(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, int | float)
        and not isinstance(node.value, bool)
    )
