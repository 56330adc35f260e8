"""What of the file, beyond a function's own text, the model needs to imagine it.

A method runs on an instance, so the model is shown the part of its class
that says what the instance holds: the class line, the class-level
statements (docstring, class attributes, dataclass fields), ``__init__``,
the methods the method calls on its receiver (``self.helper(...)``,
``self.total`` for a property), and the method itself.  A function that uses
a module the file imports (``re.findall``, ``Counter(...)``) is shown those
import lines.  Lines are taken from the document as they are (a method keeps
its indentation inside the class), so the function's own lines map back to
the document by one offset.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass

from tree_sitter import Node

from cwm_lsp.source.document import PythonDocument
from cwm_lsp.source.syntax import effective_end, node_text
from cwm_lsp.source.types import FunctionInfo

_IMPORTS = ("import_statement", "import_from_statement", "future_import_statement")
_DEFS = ("function_definition", "decorated_definition")


@dataclass(frozen=True)
class MethodContext:
    """A method's class, cut down: the text, and the 1-based line of it where the method starts."""

    text: str
    first_line: int


def _definition_node(doc: PythonDocument, func: FunctionInfo) -> Node | None:
    node = doc.root.descendant_for_byte_range(func.start_byte, func.start_byte)
    while node is not None:
        if node.type in _DEFS and node.start_byte == func.start_byte:
            parent = node.parent
            if parent is not None and parent.type == "decorated_definition":
                return parent
            return node
        node = node.parent
    return None


def _class_of(definition: Node) -> Node | None:
    """The class_definition (or decorated class) whose body holds ``definition`` directly."""
    block = definition.parent
    cls = block.parent if block is not None and block.type == "block" else None
    if cls is None or cls.type != "class_definition":
        return None
    outer = cls.parent
    return outer if outer is not None and outer.type == "decorated_definition" else cls


def _def_name(node: Node) -> str:
    definition = node
    if node.type == "decorated_definition":
        inner = node.child_by_field_name("definition")
        definition = inner if inner is not None else node
    name = definition.child_by_field_name("name")
    return node_text(name) if name is not None else ""


def method_context(doc: PythonDocument, func: FunctionInfo) -> MethodContext | None:
    """The cut-down class of a method (see the module docstring); None outside a class."""
    if func.class_name is None:
        return None
    definition = _definition_node(doc, func)
    cls = _class_of(definition) if definition is not None else None
    if definition is None or cls is None:
        return None
    core = cls if cls.type == "class_definition" else cls.child_by_field_name("definition")
    body = core.child_by_field_name("body") if core is not None else None
    if body is None:
        return None
    receiver = func.params[0] if func.params else "self"
    used = set(re.findall(rf"\b{re.escape(receiver)}\.([A-Za-z_]\w*)", func.text))
    lines = list(doc.lines[cls.start_point.row : body.start_point.row])  # the class line
    header = len(lines)
    first_line = 0
    for child in body.named_children:
        is_def = child.type in _DEFS
        if child.type == "comment":
            continue
        if child.start_byte == definition.start_byte:
            start, end = func.start_line - 1, func.end_line - 1
        elif is_def and _def_name(child) not in used | {"__init__"}:
            continue
        else:
            last = doc.line_index.byte_to_char(effective_end(child) - 1)
            start, end = child.start_point.row, doc.line_index.line_of(last)
        if is_def and len(lines) > header:
            lines.append("")
        if child.start_byte == definition.start_byte:
            first_line = len(lines) + 1
        lines.extend(doc.lines[start : end + 1])
    if not first_line:
        return None
    text = textwrap.dedent("\n".join(lines).replace("\r", "")) + "\n"
    return MethodContext(text, first_line)


def imports_used(doc: PythonDocument, func: FunctionInfo) -> list[str]:
    """The file's top-level import statements that bind a name ``func``'s text uses."""
    words = set(re.findall(r"[A-Za-z_]\w*", func.text))
    out: list[str] = []
    for child in doc.root.named_children:
        if child.type not in _IMPORTS:
            continue
        text = node_text(child)
        names = _imported_names(text)
        if names & words:
            out.append(" ".join(text.split()))
    return out


def _imported_names(statement: str) -> set[str]:
    """``import os.path as p`` -> {p}; ``from collections import Counter`` -> {Counter}."""
    body = statement.split(" import ", 1)[1] if statement.startswith("from ") else statement[7:]
    names: set[str] = set()
    for part in body.replace("(", " ").replace(")", " ").split(","):
        words = part.split()
        if not words:
            continue
        if "as" in words:
            names.add(words[words.index("as") + 1])
        else:
            names.add(words[0].split(".")[0])
    return names
