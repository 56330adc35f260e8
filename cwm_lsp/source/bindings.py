"""Parameter names and the names a binding target binds."""

from __future__ import annotations

from tree_sitter import Node

from cwm_lsp.source.syntax import node_text

_NOT_BOUND = frozenset({"attribute", "subscript", "call"})


def parameter_names(definition: Node) -> tuple[str, ...]:
    """Parameter names of a def in order, ``*args``/``**kwargs`` as ``args``/``kwargs``."""
    parameters = definition.child_by_field_name("parameters")
    if parameters is None:
        return ()
    names: list[str] = []
    for param in parameters.named_children:
        name = _parameter_name(param)
        if name:
            names.append(name)
    return tuple(names)


def _parameter_name(param: Node) -> str | None:
    kind = param.type
    if kind == "identifier":
        return node_text(param)
    if kind in ("default_parameter", "typed_default_parameter"):
        name = param.child_by_field_name("name")
        return _parameter_name(name) if name is not None else None
    if kind in ("typed_parameter", "list_splat_pattern", "dictionary_splat_pattern"):
        for child in param.named_children:
            if child.type in ("identifier", "list_splat_pattern", "dictionary_splat_pattern"):
                return _parameter_name(child)
    return None


def target_names(target: Node) -> list[Node]:
    """Identifiers a binding target binds (``a, (b, *c)`` -> a, b, c; ``x.y`` -> none)."""
    if target.type == "identifier":
        return [target]
    if target.type in _NOT_BOUND or target.type == "ERROR":
        return []
    names: list[Node] = []
    for child in target.named_children:
        names.extend(target_names(child))
    return names
