"""Functions, methods and nested defs of a parsed document."""

from __future__ import annotations

from collections.abc import Iterable

from tree_sitter import Node

from cwm_lsp.source.bindings import parameter_names
from cwm_lsp.source.outline import FoundFunction, Outline
from cwm_lsp.source.positions import LineIndex
from cwm_lsp.source.syntax import effective_end, node_text
from cwm_lsp.source.types import FunctionInfo


def qualname_parts(
    definition: Node, outer: tuple[tuple[str, str], ...] = ()
) -> tuple[str, str | None]:
    """(``__qualname__``, name of the class the def sits in directly or None).

    ``outer`` lists (``"def"``/``"class"``, name) scopes around the tree's root,
    outermost first (for blocks parsed on their own).
    """
    parts: list[str] = []
    class_name: str | None = None
    first_scope = True
    ancestor = definition.parent
    while ancestor is not None:
        if ancestor.type in ("function_definition", "class_definition"):
            name_node = ancestor.child_by_field_name("name")
            name = node_text(name_node) if name_node is not None else "?"
            if ancestor.type == "function_definition":
                parts.append(f"{name}.<locals>")
            else:
                parts.append(name)
                if first_scope:
                    class_name = name
            first_scope = False
        ancestor = ancestor.parent
    for kind, name in reversed(outer):
        parts.append(f"{name}.<locals>" if kind == "def" else name)
        if first_scope and kind == "class":
            class_name = name
        first_scope = False
    own = definition.child_by_field_name("name")
    own_name = node_text(own) if own is not None else "?"
    return ".".join([*reversed(parts), own_name]), class_name


def build_function_info(
    found: FoundFunction,
    text: str,
    index: LineIndex,
    outline: Outline,
    enclosing: tuple[tuple[str, str], ...] = (),
    clip_byte: int | None = None,
) -> FunctionInfo:
    """The FunctionInfo of one found def; ``enclosing`` as in :func:`qualname_parts`;
    ``clip_byte`` ends a def that swallowed later code there."""
    definition, outer = found.definition, found.outer
    start_char = index.byte_to_char(outer.start_byte)
    end_byte = max(effective_end(definition), definition.start_byte)
    if clip_byte is not None:
        end_byte = max(min(end_byte, clip_byte), definition.start_byte)
    end_char = index.byte_to_char(end_byte)
    start_line0 = index.line_of(start_char)
    line_start = index.starts[start_line0]
    text_start = line_start if text[line_start:start_char].strip() == "" else start_char
    qualname, class_name = qualname_parts(definition, enclosing)
    params = parameter_names(definition)
    return FunctionInfo(
        name=found.name,
        qualname=qualname,
        def_line=index.line_of(index.byte_to_char(definition.start_byte)) + 1,
        start_line=start_line0 + 1,
        end_line=index.line_of(max(start_char, end_char - 1)) + 1,
        params=params,
        class_name=class_name,
        text=text[text_start:end_char],
        start_byte=outer.start_byte,
        end_byte=end_byte,
        body_names=_unique([*params, *outline.names_of(definition, before=end_byte)]),
    )


def _unique(names: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(names))
