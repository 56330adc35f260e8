"""Methods and their receivers: what ``self`` is and which attributes it holds.

Simulating ``Inventory.add`` means running it on an instance, so the entry
call binds ``self`` as well as ``name`` and ``qty``.  This module reads off
the ``ast`` what that takes, running nothing:

* the kind of a def (:func:`method_kind`): a plain function (top level or
  nested in a function), a method, a ``@classmethod``, a ``@staticmethod``
  or a ``@property`` (``@x.setter`` too);
* a class's instance attributes (:func:`class_attributes`): every
  ``self.name = ...`` (also ``+=``, annotated and tuple targets) in the
  methods of the class and of its bases defined in the file, the fields of
  an annotated class body (dataclasses), in first-assignment order, the
  constructor's first;
* the state a constructor call leaves (:func:`initial_state`): the
  attributes ``__init__`` sets, with their reprs where the source says them
  (a literal, or a parameter bound to a literal), else unknown (``None``,
  for the model to say).

A receiver's state is part of a frame's locals: ``self`` itself as
:func:`instance_repr` (``<Inventory>``, the way the real tracer shows an
instance of a class of the traced file with the default ``__repr__``), then
one entry per attribute, named :func:`field_name` (``self.items``).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Literal

MethodKind = Literal["function", "method", "classmethod", "staticmethod", "property"]
FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


@dataclass(frozen=True)
class Receiver:
    """What a method runs on: ``self`` (an instance) or ``cls`` (the class)."""

    class_name: str
    #: the receiver parameter's name (``self``, ``cls``, whatever it is called)
    param: str
    kind: MethodKind
    #: instance attributes of the class (empty for a classmethod's ``cls``)
    attributes: tuple[str, ...]

    @property
    def fields(self) -> tuple[str, ...]:
        """The receiver's attributes as frame locals: ``self.items``, ..."""
        return tuple(field_name(self.param, a) for a in self.attributes)

    @property
    def value(self) -> str:
        """The receiver's repr in a frame."""
        if self.kind == "classmethod":
            return class_repr(self.class_name)
        return instance_repr(self.class_name)


def field_name(param: str, attribute: str) -> str:
    return f"{param}.{attribute}"


def instance_repr(class_name: str) -> str:
    return f"<{class_name}>"


def class_repr(class_name: str) -> str:
    return f"<class {class_name!r}>"


def find_def(tree: ast.Module, function: str) -> tuple[FunctionNode, ast.ClassDef | None] | None:
    """The def named ``function`` (qualname, ``Class.method`` or plain name) and the
    class it sits in directly (None for a function, or a def nested in one)."""
    found: list[tuple[str, FunctionNode, ast.ClassDef | None]] = []

    def visit(body: list[ast.stmt], prefix: str, owner: ast.ClassDef | None) -> None:
        for stmt in body:
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
                qualname = prefix + stmt.name
                found.append((qualname, stmt, owner))
                visit(stmt.body, qualname + ".<locals>.", None)
            elif isinstance(stmt, ast.ClassDef):
                visit(stmt.body, prefix + stmt.name + ".", stmt)
            else:
                for block in _blocks(stmt):
                    visit(block, prefix, owner)

    visit(tree.body, "", None)
    tail = function.rsplit(".", 1)[-1]
    for qualname, node, owner in found:
        if qualname == function:
            return node, owner
    for qualname, node, owner in found:
        if qualname.replace(".<locals>", "") == function:
            return node, owner
    for qualname, node, owner in found:
        if qualname.rsplit(".", 1)[-1] == tail:
            return node, owner
    return None


def _blocks(stmt: ast.stmt) -> list[list[ast.stmt]]:
    blocks = [getattr(stmt, name, None) for name in ("body", "orelse", "finalbody")]
    blocks += [h.body for h in getattr(stmt, "handlers", [])]
    return [b for b in blocks if isinstance(b, list)]


def _decorator_names(node: FunctionNode) -> set[str]:
    names: set[str] = set()
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(target, ast.Name):
            names.add(target.id)
        elif isinstance(target, ast.Attribute):
            names.add(target.attr)  # functools.cached_property, x.setter
    return names


def method_kind(node: FunctionNode, owner: ast.ClassDef | None) -> MethodKind:
    if owner is None:
        return "function"
    decorators = _decorator_names(node)
    if "staticmethod" in decorators:
        return "staticmethod"
    if "classmethod" in decorators:
        return "classmethod"
    if decorators & {"property", "cached_property", "setter", "getter", "deleter"}:
        return "property"
    return "method"


def receiver_param(node: FunctionNode) -> str | None:
    positional = [*node.args.posonlyargs, *node.args.args]
    return positional[0].arg if positional else None


def classes_of(tree: ast.Module) -> dict[str, ast.ClassDef]:
    """The file's classes by name (nested ones too; the first of a name wins)."""
    out: dict[str, ast.ClassDef] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            out.setdefault(node.name, node)
    return out


def _bases(cls: ast.ClassDef, classes: dict[str, ast.ClassDef]) -> list[ast.ClassDef]:
    """``cls`` and its bases defined in the file, the class itself first."""
    out: list[ast.ClassDef] = []
    todo = [cls]
    while todo:
        current = todo.pop(0)
        if current in out:
            continue
        out.append(current)
        for base in current.bases:
            if isinstance(base, ast.Name) and base.id in classes:
                todo.append(classes[base.id])
    return out


def methods_of(cls: ast.ClassDef) -> dict[str, FunctionNode]:
    return {s.name: s for s in cls.body if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef)}


def _assigned_attributes(node: FunctionNode, param: str) -> list[str]:
    """``param.x`` targets of assignments in ``node``, in source order."""
    names: list[str] = []
    for sub in ast.walk(node):
        targets: list[ast.expr] = []
        if isinstance(sub, ast.Assign):
            targets = list(sub.targets)
        elif isinstance(sub, ast.AugAssign | ast.AnnAssign):
            targets = [sub.target]
        for target in targets:
            for part in ast.walk(target):
                if (
                    isinstance(part, ast.Attribute)
                    and isinstance(part.value, ast.Name)
                    and part.value.id == param
                    and isinstance(part.ctx, ast.Store)
                    and part.attr not in names
                ):
                    names.append(part.attr)
    return sorted(names, key=lambda n: _first_line(node, param, n))


def _first_line(node: FunctionNode, param: str, attribute: str) -> tuple[int, int]:
    for sub in ast.walk(node):
        if (
            isinstance(sub, ast.Attribute)
            and isinstance(sub.value, ast.Name)
            and sub.value.id == param
            and sub.attr == attribute
            and isinstance(sub.ctx, ast.Store)
        ):
            return sub.lineno, sub.col_offset
    return 0, 0


def _fields(cls: ast.ClassDef) -> list[str]:
    """Annotated names of a class body (``x: int``), as dataclasses make them."""
    return [
        s.target.id
        for s in cls.body
        if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name) and s.simple
    ]


def class_attributes(tree: ast.Module, class_name: str) -> tuple[str, ...]:
    """Instance attributes of ``class_name`` (see the module docstring)."""
    classes = classes_of(tree)
    cls = classes.get(class_name)
    if cls is None:
        return ()
    names: list[str] = []
    for owner in reversed(_bases(cls, classes)):  # a base's attributes come first
        names += [n for n in _fields(owner) if n not in names]
        methods = methods_of(owner)
        ordered = sorted(methods.values(), key=lambda m: (m.name != "__init__", m.lineno))
        for method in ordered:
            if method_kind(method, owner) in ("staticmethod", "classmethod"):
                continue
            param = receiver_param(method)
            if param is not None:
                names += [n for n in _assigned_attributes(method, param) if n not in names]
    return tuple(names)


def receiver_of(tree: ast.Module, function: str) -> Receiver | None:
    """The receiver ``function`` runs on; None for functions and staticmethods."""
    found = find_def(tree, function)
    if found is None:
        return None
    node, owner = found
    kind = method_kind(node, owner)
    param = receiver_param(node)
    if owner is None or kind in ("function", "staticmethod") or param is None:
        return None
    attributes = () if kind == "classmethod" else class_attributes(tree, owner.name)
    return Receiver(owner.name, param, kind, attributes)


def constructor(tree: ast.Module, class_name: str) -> FunctionNode | None:
    """The ``__init__`` instances of ``class_name`` are made with (its own or a base's)."""
    classes = classes_of(tree)
    cls = classes.get(class_name)
    if cls is None:
        return None
    for owner in _bases(cls, classes):
        init = methods_of(owner).get("__init__")
        if init is not None:
            return init
    return None


def dataclass_fields(tree: ast.Module, class_name: str) -> list[ast.AnnAssign]:
    """The fields of a class without ``__init__`` whose body is annotated (a dataclass)."""
    classes = classes_of(tree)
    cls = classes.get(class_name)
    if cls is None or constructor(tree, class_name) is not None:
        return []
    return [
        s
        for owner in reversed(_bases(cls, classes))
        for s in owner.body
        if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name) and s.simple
    ]


def initial_state(
    tree: ast.Module, class_name: str, arguments: dict[str, str]
) -> dict[str, str | None]:
    """Attribute -> repr after ``class_name(...)`` with its parameters bound to
    ``arguments`` (param -> repr); None where the model must say.

    Only ``__init__``'s own top-level ``self.x = <literal or parameter>``
    statements are read, up to the first statement that is anything else;
    from there on every attribute ``__init__`` sets is unknown.
    """
    fields = dataclass_fields(tree, class_name)
    if fields:
        return {
            f.target.id: arguments.get(f.target.id)  # type: ignore[union-attr]
            for f in fields
        }
    init = constructor(tree, class_name)
    param = receiver_param(init) if init is not None else None
    if init is None or param is None:
        return {}
    state: dict[str, str | None] = {}
    known = True
    for stmt in init.body:
        if _is_docstring(stmt):
            continue
        simple = _simple_assignment(stmt, param)
        if simple is not None and known:
            attribute, value = simple
            state[attribute] = _value_of(value, arguments)
            continue
        known = False
    for attribute in _assigned_attributes(init, param):
        state.setdefault(attribute, None)
    return state


def _is_docstring(stmt: ast.stmt) -> bool:
    return (
        isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Constant)
        and isinstance(stmt.value.value, str)
    )


def _simple_assignment(stmt: ast.stmt, param: str) -> tuple[str, ast.expr] | None:
    target: ast.expr | None = None
    value: ast.expr | None = None
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        target, value = stmt.targets[0], stmt.value
    elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
        target, value = stmt.target, stmt.value
    if (
        isinstance(target, ast.Attribute)
        and isinstance(target.value, ast.Name)
        and target.value.id == param
        and value is not None
    ):
        return target.attr, value
    return None


def _value_of(value: ast.expr, arguments: dict[str, str]) -> str | None:
    if isinstance(value, ast.Name):
        return arguments.get(value.id)
    try:
        return repr(ast.literal_eval(value))
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None
