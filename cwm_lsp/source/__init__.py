"""Source analysis of Python files with tree-sitter.

Functions and methods, their parameters and local names, call sites, doctest
examples, ``# cwm:`` input comments, ``??`` holes, and LSP positions (UTF-16).
The queries live in the top-level ``grammars/python-*.scm`` (see
:mod:`cwm_lsp.source.grammar` for how they are found).
"""

from cwm_lsp.source.document import PythonDocument
from cwm_lsp.source.grammar import GrammarError
from cwm_lsp.source.inputs import choose_inputs
from cwm_lsp.source.positions import utf16_len
from cwm_lsp.source.types import CallSite, FunctionInfo, Hole, InputChoice
from cwm_lsp.source.validity import parses

__all__ = [
    "CallSite",
    "FunctionInfo",
    "GrammarError",
    "Hole",
    "InputChoice",
    "PythonDocument",
    "choose_inputs",
    "parses",
    "utf16_len",
]
