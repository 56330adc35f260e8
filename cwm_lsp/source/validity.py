"""Whether a text is valid Python."""

from __future__ import annotations

import ast
import warnings

from cwm_lsp.source.parsing import looks_binary, parse_python
from cwm_lsp.source.positions import encode_utf8


def parses(text: str) -> bool:
    """True when tree-sitter finds no ERROR/MISSING node and ``ast.parse`` agrees."""
    if looks_binary(text):
        return False
    tree = parse_python(encode_utf8(text))
    if tree is None or tree.root_node.has_error:
        return False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(text)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return False
    return True
