"""One pass over a tree: its defs and the names each def's body binds.

The queries ``python-functions.scm`` and ``python-bindings.scm`` run as one
query; which scope a binding belongs to is found by a sweep over the scopes'
body ranges (no walk up the tree per name).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from tree_sitter import Node, QueryCursor

from cwm_lsp.source.bindings import target_names
from cwm_lsp.source.grammar import combined_query
from cwm_lsp.source.syntax import node_key, node_text

_BOUND, _DECLARED = 0, 1


@dataclass(frozen=True)
class FoundFunction:
    """A def as found in the tree."""

    name: str
    definition: Node  # function_definition
    outer: Node  # decorated_definition when decorated, else the definition


class Outline:
    """The defs under a root node and the local names of each."""

    def __init__(self, root: Node) -> None:
        captures = QueryCursor(combined_query("functions", "bindings")).captures(root)
        self.functions = [_found(d) for d in captures.get("function", [])]
        self.functions.sort(key=lambda f: f.outer.start_byte)
        self._bound, self._declared = _bindings_by_scope(captures)

    def names_of(self, definition: Node, before: int | None = None) -> list[str]:
        """Names bound in ``definition``'s body in source order (may repeat),
        only those bound before byte ``before`` when given; names declared
        ``global``/``nonlocal`` there are left out."""
        key = node_key(definition)
        skip = self._declared.get(key, set())
        limit = definition.end_byte if before is None else before
        return [
            name for byte, name in self._bound.get(key, ()) if name not in skip and byte < limit
        ]


def _found(definition: Node) -> FoundFunction:
    name = definition.child_by_field_name("name")
    parent = definition.parent
    outer = parent if parent is not None and parent.type == "decorated_definition" else definition
    return FoundFunction(node_text(name) if name is not None else "?", definition, outer)


Key = tuple[int, int, str]


def _bindings_by_scope(
    captures: dict[str, list[Node]],
) -> tuple[dict[Key, list[tuple[int, str]]], dict[Key, set[str]]]:
    scopes: list[tuple[int, int, Node]] = []
    for scope_kind in ("function", "class", "lambda"):
        for node in captures.get(scope_kind, []):
            body = node.child_by_field_name("body")
            if body is not None:
                scopes.append((body.start_byte, body.end_byte, node))
    scopes.sort(key=lambda s: (s[0], -s[1]))

    points: list[tuple[int, int, str]] = []  # (byte, bound/declared, name)
    for target in captures.get("target", []):
        points.extend((n.start_byte, _BOUND, node_text(n)) for n in target_names(target))
    for def_name in captures.get("definition", []):
        points.append((def_name.start_byte, _BOUND, node_text(def_name)))
    for declared_name in captures.get("declared", []):
        points.append((declared_name.start_byte, _DECLARED, node_text(declared_name)))
    points.sort()

    bound: dict[Key, list[tuple[int, str]]] = defaultdict(list)
    declared: dict[Key, set[str]] = defaultdict(set)
    stack: list[tuple[int, int, Node]] = []
    next_scope = 0
    for byte, kind, name in points:
        while next_scope < len(scopes) and scopes[next_scope][0] <= byte:
            scope = scopes[next_scope]
            while stack and stack[-1][1] <= scope[0]:
                stack.pop()
            stack.append(scope)
            next_scope += 1
        while stack and stack[-1][1] <= byte:
            stack.pop()
        if not stack or stack[-1][2].type != "function_definition":
            continue
        key = node_key(stack[-1][2])
        if kind == _BOUND:
            bound[key].append((byte, name))
        else:
            declared[key].add(name)
    return dict(bound), dict(declared)
