"""Which inputs a prediction of a function uses."""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence

from cwm_lsp.source.document import PythonDocument
from cwm_lsp.source.types import CallSite, FunctionInfo, InputChoice


def choose_inputs(
    doc: PythonDocument, func: FunctionInfo, others: Sequence[PythonDocument] = ()
) -> InputChoice:
    """Inputs for ``func``, in this order: an explicit ``# cwm:`` comment; the
    first doctest example calling it; a call site in the same file (one whose
    arguments are all literals first, then the first in source order; for a
    method, one whose receiver is known before those; a call inside another
    function counts only with literal arguments), then
    one in the other open files (``others``, literal arguments only);
    otherwise ``args=None`` and the model invents them.

    A method's call site names its receiver: ``inv.add('apple', 3)`` with
    ``inv = Inventory()`` above it in the file gives
    ``Inventory().add('apple', 3)``; a receiver that cannot be found that way
    is left out (the model then invents the constructor's arguments), and a
    call on something that is not an instance of the method's class
    (``words.add(w)`` on a set) is no call site of it.  ``__init__``'s call
    sites are the calls of its class."""
    comment = doc.input_comment_at(func)
    if comment is not None:
        return InputChoice(comment.args, "comment", comment.line)
    examples = doc.doctest_examples(func)
    if examples:
        text, line = examples[0]
        return InputChoice(text, "doctest", line)
    sites = [
        s
        for s in method_call_sites(doc, func)
        if has_literal_arguments(s) or doc.function_at(s.line) is None
    ]  # tokens(text) inside another function says nothing of what text holds
    if sites:
        # a call with its receiver first, then one with literal arguments, then the first
        missing = func.class_name is not None and func.name != "__init__"
        site = min(
            sites,
            key=lambda s: (missing and s.callee == func.name, not has_literal_arguments(s)),
        )
        return InputChoice(site.text, "call site", site.line)
    for other in others:
        literal = [s for s in method_call_sites(other, func) if has_literal_arguments(s)]
        if literal:
            return InputChoice(literal[0].text, "call site in another file", literal[0].line)
    return InputChoice(None, "invented", None)


def method_call_sites(doc: PythonDocument, func: FunctionInfo) -> list[CallSite]:
    """Call sites of ``func`` in ``doc``, a method's written with its receiver where found."""
    if func.class_name is None:
        return doc.call_sites(func.qualname)
    if func.name == "__init__":
        return doc.call_sites(func.class_name)
    out: list[CallSite] = []
    for site in doc.call_sites(func.qualname):
        base = site.callee.rsplit(".", 1)[0] if "." in site.callee else ""
        if not base:
            continue
        if base == func.class_name or base.startswith(f"{func.class_name}("):
            out.append(site)  # Inventory.make(2), Inventory().add(1)
            continue
        if base in ("self", "cls"):
            rest = site.text[len(site.callee) - len(func.name) :]
            out.append(CallSite(site.line, rest, func.name))  # the receiver is invented
            continue
        made = _constructed(doc, base, func.class_name, site.line)
        if made is not None:
            rest = site.text[len(base) :]
            out.append(CallSite(site.line, f"{made}{rest}", f"{made}.{func.name}"))
    return out


def _constructed(doc: PythonDocument, name: str, class_name: str, line: int) -> str | None:
    """``Inventory(...)`` when the nearest assignment to ``name`` above ``line`` makes one."""
    if not name.isidentifier():
        return None
    assignment = re.compile(rf"^\s*{re.escape(name)}\s*=\s*(.+?)\s*(#.*)?$")
    for text in reversed(doc.lines[: line - 1]):
        match = assignment.match(text)
        if match is None:
            continue
        value = match.group(1)
        try:
            expression = ast.parse(value, mode="eval").body
        except SyntaxError:
            return None
        func = expression.func if isinstance(expression, ast.Call) else None
        return value if isinstance(func, ast.Name) and func.id == class_name else None
    return None


def has_literal_arguments(site: CallSite) -> bool:
    """Whether every argument of the call (and of its receiver's constructor) is a literal."""
    try:
        expression = ast.parse(f"(\n{site.text}\n)", mode="eval").body
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return False
    if not isinstance(expression, ast.Call):
        return isinstance(expression, ast.Attribute) and _literal_call(expression.value)
    if not _literal_call(expression):
        return False
    receiver = expression.func.value if isinstance(expression.func, ast.Attribute) else None
    return not isinstance(receiver, ast.Call) or _literal_call(receiver)


def _literal_call(expression: ast.expr) -> bool:
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
