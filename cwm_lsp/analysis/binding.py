"""Binding call inputs to a function's parameters without running anything.

The inputs are text: ``"3, [1, 2]"``, ``"(3, [1, 2])"`` (a tuple of
arguments), ``"f(3, b=[1, 2])"`` (a call of the function) or keyword
arguments.  Literal values become their ``repr`` (what the real tracer would
show); other expressions keep their source text.

A method runs on a receiver (:mod:`cwm_lsp.analysis.receivers`).  Its inputs
name it the way a call does: ``"Inventory().add('apple', 3)"``,
``"Inventory(10).total"`` for a property, ``"Inventory.make(2)"`` for a
classmethod (``cls`` is the class).  The receiver's state after its
constructor is part of the binding: ``self = <Inventory>``, then
``self.items = {}`` where ``__init__`` says so, else the attribute is
*pending* (the model says its value).  Inputs that leave an instance
method's receiver out (``"'apple', 3"``, ``"inv.add('apple', 3)"``) bind the
other parameters and say :attr:`Binding.needs_receiver`.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from cwm_lsp.analysis.receivers import (
    Receiver,
    classes_of,
    constructor,
    dataclass_fields,
    field_name,
    find_def,
    initial_state,
    instance_repr,
    receiver_of,
)


class BindingError(ValueError):
    """The inputs do not parse or do not fit the function's parameters."""


@dataclass(frozen=True)
class Binding:
    """The entry call's locals for some inputs."""

    #: the non-receiver parameters -> repr, in signature order
    params: dict[str, str]
    receiver: Receiver | None = None
    #: the receiver's repr (``<Inventory>``), None when it is missing
    receiver_value: str | None = None
    #: the receiver's attributes after its constructor: field name -> repr, None = pending
    fields: tuple[tuple[str, str | None], ...] = ()
    #: an instance method given without its instance
    needs_receiver: bool = False
    #: parameters the inputs gave (the others took their defaults)
    given: frozenset[str] = field(default_factory=frozenset)
    #: the inputs as a call of the function (``Inventory().add('apple', 3)``,
    #: ``f(1, 2)``; ``add('apple')`` when the receiver is missing)
    call: str = ""
    #: the arguments between the call's parentheses (``'apple', 3``)
    inner: str = ""

    @property
    def pending(self) -> tuple[str, ...]:
        return tuple(name for name, value in self.fields if value is None)

    @property
    def locals(self) -> dict[str, str]:
        """Receiver, its known attributes, then the parameters (the real tracer's order)."""
        out: dict[str, str] = {}
        if self.receiver is not None and self.receiver_value is not None:
            out[self.receiver.param] = self.receiver_value
            out.update((name, value) for name, value in self.fields if value is not None)
        out.update(self.params)
        return out


def split_call(
    args: str, function: str = "", constructs: str = ""
) -> tuple[ast.expr | None, list[ast.expr], list[tuple[str, ast.expr]]]:
    """(receiver expression, positional, keyword argument expressions) of an inputs text.

    The receiver is what a call of the function is made on (``Inventory()``
    in ``Inventory().add(1)``, ``Inventory`` in ``Inventory.make(1)``).
    ``constructs``: the class whose ``__init__`` ``function`` is; a call of
    the class is then the call, and its own receiver (``Inventory(1)``).
    """
    text = args.strip()
    if not text:
        return None, [], []
    try:
        expr = ast.parse(text, mode="eval").body
    except SyntaxError:
        expr = None
    name = function.rsplit(".", 1)[-1]
    if isinstance(expr, ast.Attribute) and expr.attr == name and name:
        return expr.value, [], []  # a property: Inventory().total
    receiver: ast.expr | None
    if isinstance(expr, ast.Call) and constructs and _call_name(expr.func) == constructs:
        call, receiver = expr, expr
    elif isinstance(expr, ast.Call) and _call_name(expr.func) == name and name:
        call = expr
        receiver = expr.func.value if isinstance(expr.func, ast.Attribute) else None
    elif isinstance(expr, ast.Tuple) and text.startswith("(") and text.endswith(")"):
        return None, list(expr.elts), []
    else:
        try:
            parsed = ast.parse(f"_({text})", mode="eval").body
        except SyntaxError as exc:
            raise BindingError(f"inputs do not parse: {exc.msg}") from None
        assert isinstance(parsed, ast.Call)
        call, receiver = parsed, None
    keywords: list[tuple[str, ast.expr]] = []
    for kw in call.keywords:
        if kw.arg is None:
            raise BindingError("**kwargs in the inputs are not supported")
        keywords.append((kw.arg, kw.value))
    return receiver, list(call.args), keywords


def split_args(args: str, function: str = "") -> tuple[list[ast.expr], list[tuple[str, ast.expr]]]:
    """Positional and keyword argument expressions of an inputs text."""
    _, positional, keywords = split_call(args, function)
    return positional, keywords


def _call_name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def value_repr(expr: ast.expr) -> str:
    """``repr`` of a literal expression; its source text otherwise."""
    try:
        return repr(ast.literal_eval(expr))
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return ast.unparse(expr)


def bind(source: str, function: str, args: str) -> dict[str, str]:
    """The call frame's known locals (name -> repr) for calling ``function`` with ``args``."""
    return bind_call(source, function, args).locals


def bind_call(source: str, function: str, args: str) -> Binding:
    """The binding of ``args`` to ``function`` (see the module docstring)."""
    tree = ast.parse(source)
    found = find_def(tree, function)
    if found is None:
        raise BindingError(f"no function {function!r} in the file")
    node = found[0]
    receiver = receiver_of(tree, function)
    constructs = found[1].name if found[1] is not None and node.name == "__init__" else ""
    given, positional, keywords = split_call(args, function, constructs)
    if constructs and given is not None:
        positional, keywords = _call_arguments(given)  # Inventory(1): the call is the constructor
    ordered = [*node.args.posonlyargs, *node.args.args]
    owner = found[1].name if found[1] is not None else ""
    if receiver is None:
        written_like_a_method = ordered and ordered[0].arg in ("self", "cls")
        if owner and written_like_a_method and 0 < len(positional) < len(ordered):
            ordered = ordered[1:]  # a staticmethod written like a method
        params, named = bind_arguments(node.args, ordered, positional, keywords, function)
        inner = _inner(positional, keywords)
        call = f"{owner}.{node.name}({inner})" if owner else f"{node.name}({inner})"
        return Binding(params, given=named, call=call, inner=inner)
    params_of = ordered[1:]
    if receiver.kind == "classmethod":
        params, named = bind_arguments(node.args, params_of, positional, keywords, function)
        inner = _inner(positional, keywords)
        call = f"{owner}.{node.name}({inner})"
        return Binding(params, receiver, receiver.value, (), given=named, call=call, inner=inner)
    classes = classes_of(tree)
    if (
        given is None
        and positional
        and (_class_name(positional[0], classes) is not None or len(positional) == len(ordered))
    ):
        given, positional = positional[0], positional[1:]  # the instance passed first
    params, named = bind_arguments(node.args, params_of, positional, keywords, function)
    class_name = _class_name(given, classes)
    inner = _inner(positional, keywords)

    def call_on(target: str) -> str:
        if node.name == "__init__":
            return target if constructs else f"{owner}({inner})"
        if receiver is not None and receiver.kind == "property":
            return f"{target}.{node.name}"
        return f"{target}.{node.name}({inner})"

    if class_name is None and node.name == "__init__":
        text = f"{owner}({inner})"  # the arguments of the constructor being simulated
        return Binding(
            params, receiver, instance_repr(owner), (), given=named, call=text, inner=inner
        )
    if class_name is None:
        if given is not None and not isinstance(given, ast.Call | ast.Name):
            text = call_on(ast.unparse(given))
            return Binding(
                params, receiver, value_repr(given), (), given=named, call=text, inner=inner
            )
        text = f"{node.name}({inner})"
        return Binding(
            params, receiver, None, (), needs_receiver=True, given=named, call=text, inner=inner
        )
    assert isinstance(given, ast.Call)
    state: dict[str, str | None] = {}
    if node.name != "__init__":
        state = initial_state(tree, class_name, _constructor_arguments(tree, class_name, given))
    fields = tuple(
        (field_name(receiver.param, attribute), value) for attribute, value in state.items()
    )
    text = call_on(ast.unparse(given))
    return Binding(
        params, receiver, instance_repr(class_name), fields, given=named, call=text, inner=inner
    )


def _inner(positional: list[ast.expr], keywords: list[tuple[str, ast.expr]]) -> str:
    return ", ".join(
        [ast.unparse(e) for e in positional] + [f"{k}={ast.unparse(v)}" for k, v in keywords]
    )


def _class_name(expr: ast.expr | None, classes: dict[str, ast.ClassDef]) -> str | None:
    """The file's class an expression constructs (``Inventory(...)``), if it does."""
    if not isinstance(expr, ast.Call):
        return None
    name = _call_name(expr.func)
    return name if name in classes else None


def _call_arguments(expr: ast.expr) -> tuple[list[ast.expr], list[tuple[str, ast.expr]]]:
    if not isinstance(expr, ast.Call):
        return [], []
    keywords = [(k.arg, k.value) for k in expr.keywords if k.arg is not None]
    if len(keywords) < len(expr.keywords):
        raise BindingError("**kwargs in the inputs are not supported")
    return list(expr.args), keywords


def _constructor_arguments(tree: ast.Module, class_name: str, call: ast.Call) -> dict[str, str]:
    """The constructor's parameters -> reprs for ``call``; a call that does not bind raises."""
    positional, keywords = _call_arguments(call)
    init = constructor(tree, class_name)
    if init is not None:
        ordered = [*init.args.posonlyargs, *init.args.args][1:]
        params, _ = bind_arguments(init.args, ordered, positional, keywords, class_name)
        return params
    fields = dataclass_fields(tree, class_name)
    if not fields and (positional or keywords):
        raise BindingError(f"{class_name}() takes no arguments")
    names = [ast.arg(f.target.id) for f in fields]  # type: ignore[union-attr]
    defaults = [f.value for f in fields if f.value is not None]
    synthetic = ast.arguments(
        posonlyargs=[], args=names, vararg=None, kwonlyargs=[], kw_defaults=[], defaults=defaults
    )
    params, _ = bind_arguments(synthetic, names, positional, keywords, class_name)
    return params


def bind_arguments(
    a: ast.arguments,
    ordered: list[ast.arg],
    positional: list[ast.expr],
    keywords: list[tuple[str, ast.expr]],
    function: str,
) -> tuple[dict[str, str], frozenset[str]]:
    """Bind to ``ordered`` (the positional parameters, a receiver left out) and the rest
    of ``a``'s signature: (parameter -> repr, the parameters given explicitly)."""
    bound: dict[str, str] = {}
    for param, expr in zip(ordered, positional, strict=False):
        bound[param.arg] = value_repr(expr)
    extra = positional[len(ordered) :]
    if extra and a.vararg is None:
        raise BindingError(
            f"{function}() takes {len(ordered)} positional arguments but {len(positional)} were given"
        )
    names = {p.arg for p in [*ordered, *a.kwonlyargs]}
    kwargs: dict[str, str] = {}
    for name, expr in keywords:
        if name in bound:
            raise BindingError(f"{function}() got multiple values for argument {name!r}")
        if name in names:
            bound[name] = value_repr(expr)
        elif a.kwarg is not None:
            kwargs[name] = value_repr(expr)
        else:
            raise BindingError(f"{function}() got an unexpected keyword argument {name!r}")
    given = frozenset(bound)
    # Defaults for what was not given.
    all_positional = [*a.posonlyargs, *a.args]
    defaults = dict(
        zip(
            [p.arg for p in all_positional][len(all_positional) - len(a.defaults) :],
            a.defaults,
            strict=False,
        )
    )
    for param, default in zip(a.kwonlyargs, a.kw_defaults, strict=True):
        if default is not None:
            defaults[param.arg] = default
    result: dict[str, str] = {}
    for param in ordered:
        if param.arg in bound:
            result[param.arg] = bound[param.arg]
        elif param.arg in defaults:
            result[param.arg] = value_repr(defaults[param.arg])
        else:
            raise BindingError(f"{function}() missing required argument {param.arg!r}")
    if a.vararg is not None:
        result[a.vararg.arg] = (
            "(" + ", ".join(value_repr(e) for e in extra) + ("," if len(extra) == 1 else "") + ")"
        )
    for param in a.kwonlyargs:
        if param.arg in bound:
            result[param.arg] = bound[param.arg]
        elif param.arg in defaults:
            result[param.arg] = value_repr(defaults[param.arg])
        else:
            raise BindingError(f"{function}() missing required keyword argument {param.arg!r}")
    if a.kwarg is not None:
        result[a.kwarg.arg] = "{" + ", ".join(f"{k!r}: {v}" for k, v in kwargs.items()) + "}"
    return result, given
