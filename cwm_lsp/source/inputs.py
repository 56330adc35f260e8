"""Which inputs a prediction of a function uses."""

from __future__ import annotations

import ast

from cwm_lsp.source.document import PythonDocument
from cwm_lsp.source.types import CallSite, FunctionInfo, InputChoice


def choose_inputs(doc: PythonDocument, func: FunctionInfo) -> InputChoice:
    """Inputs for ``func``, in this order: an explicit ``# cwm:`` comment; the
    first doctest example calling it; a call site in the same file (one whose
    arguments are all literals first, then the first in source order);
    otherwise ``args=None`` and the model invents them."""
    comment = doc.input_comment_at(func)
    if comment is not None:
        return InputChoice(comment.args, "comment", comment.line)
    examples = doc.doctest_examples(func)
    if examples:
        text, line = examples[0]
        return InputChoice(text, "doctest", line)
    sites = doc.call_sites(func.qualname)
    if sites:
        site = next((s for s in sites if has_literal_arguments(s)), sites[0])
        return InputChoice(site.text, "call site", site.line)
    return InputChoice(None, "invented", None)


def has_literal_arguments(site: CallSite) -> bool:
    """Whether every argument of the call is a literal (needs no other state)."""
    try:
        expression = ast.parse(f"(\n{site.text}\n)", mode="eval").body
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return False
    if not isinstance(expression, ast.Call):
        return False
    values = [*expression.args, *(k.value for k in expression.keywords)]
    for value in values:
        if isinstance(value, ast.Starred):
            return False
        try:
            ast.literal_eval(value)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            return False
    return True
