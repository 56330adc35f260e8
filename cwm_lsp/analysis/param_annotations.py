"""The kind of value a parameter's annotation or default says it takes.

``text: str`` is a ``str``, ``xs: list[int]`` a ``list`` of ``int``,
``p: Point`` (a class of the file) an ``instance`` of it, ``Optional[X]`` and
``X | None`` are ``X``; a default ``qty=1`` makes an ``int``.  See
:mod:`cwm_lsp.analysis.param_usage` for the kinds and for what the body says.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

_ANNOTATION_KINDS = {
    "str": "str",
    "int": "int",
    "float": "number",
    "complex": "number",
    "bool": "bool",
    "list": "list",
    "List": "list",
    "tuple": "sequence",
    "Tuple": "sequence",
    "Sequence": "sequence",
    "Iterable": "collection",
    "set": "container",
    "Set": "container",
    "dict": "dict",
    "Dict": "dict",
    "Mapping": "dict",
    "Counter": "dict",
    "defaultdict": "dict",
}


@dataclass(frozen=True)
class Kind:
    """The kind of value a parameter should get."""

    name: str = "any"
    #: the class of an ``instance``
    class_name: str = ""
    #: the kind of a list's items (``str`` for a list of words), else ``any``
    item: str = "any"


ANY = Kind()


def annotation_kind(annotation: ast.expr | None, classes: dict[str, ast.ClassDef]) -> Kind | None:
    if annotation is None:
        return None
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        try:
            annotation = ast.parse(annotation.value, mode="eval").body
        except SyntaxError:
            return None
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        for side in (annotation.left, annotation.right):  # X | None
            if not (isinstance(side, ast.Constant) and side.value is None):
                return annotation_kind(side, classes)
    item = "any"
    if isinstance(annotation, ast.Subscript):
        head = _dotted_tail(annotation.value)
        if head == "Optional":
            return annotation_kind(annotation.slice, classes)
        inner = annotation_kind(annotation.slice, classes)
        if inner is not None and inner.name in ("str", "int", "number", "bool"):
            item = inner.name
        annotation = annotation.value
    name = _dotted_tail(annotation)
    if name in classes:
        return Kind("instance", name)
    kind = _ANNOTATION_KINDS.get(name)
    if kind is None:
        return None
    return Kind(kind, item=item if kind in ("list", "sequence") else "any")


def _dotted_tail(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def value_kind(value: ast.expr) -> Kind | None:
    try:
        literal = ast.literal_eval(value)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None
    if isinstance(literal, bool):
        return Kind("bool")
    if isinstance(literal, int):
        return Kind("int")
    if isinstance(literal, float):
        return Kind("number")
    if isinstance(literal, str):
        return Kind("str")
    if isinstance(literal, list):
        return Kind("list")
    if isinstance(literal, dict):
        return Kind("dict")
    if isinstance(literal, tuple | set | frozenset):
        return Kind("sequence")
    return None  # None: nothing to learn from
