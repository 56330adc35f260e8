"""Mine doctests of real code: ``>>> name(literal, ...)`` examples of self-contained functions.

Files are read and parsed, never imported.  A module-level function is
taken when its docstring has an example that is one call of that function
(``name(...)`` or ``module.name(...)``) with literal arguments that fit its
signature, and it is self-contained (:mod:`~cwm_lsp.corpus.selfcontained`:
it reads only builtins, literal module constants and self-contained module
functions, whose definitions are copied before it).  The docstrings are
removed from the copied source: the expected output is not part of the input.

What is mined depends on the Python and the packages installed, so a
corpus built ``--doctests`` repeats exactly on the same installation.
"""

from __future__ import annotations

import ast
import doctest
import sysconfig
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from cwm_lsp.corpus.records import Candidate
from cwm_lsp.corpus.selfcontained import closure, literal_constants

#: Files larger than this are not read.
MAX_FILE_BYTES = 400_000
#: Examples kept per function.
MAX_EXAMPLES = 3
_SKIP_DIRS = frozenset(
    {
        "test", "tests", "idlelib", "tkinter", "turtledemo", "lib2to3", "ensurepip",
        "site-packages", "dist-packages", "__pycache__", "pydoc_data", "venv", "distutils",
    }
)  # fmt: skip


def default_roots() -> list[Path]:
    """The standard library and the installed pure-Python packages."""
    paths = sysconfig.get_paths()
    roots = [Path(paths["stdlib"])]
    purelib = Path(paths["purelib"])
    if purelib != roots[0] and purelib.is_dir():
        roots.append(purelib)
    return roots


def mine(roots: Sequence[Path] | None = None) -> list[Candidate]:
    """Doctest candidates under ``roots`` (default: :func:`default_roots`), sorted by id."""
    found: dict[str, Candidate] = {}
    seen: set[tuple[str, str]] = set()
    for root in roots if roots is not None else default_roots():
        for path in _python_files(root):
            module = _module_name(root, path)
            for candidate in mine_file(path, module):
                key = (candidate.source, candidate.args)
                if candidate.id not in found and key not in seen:
                    seen.add(key)
                    found[candidate.id] = candidate
    return [found[key] for key in sorted(found)]


def _python_files(root: Path) -> Iterator[Path]:
    if root.is_file():
        yield root
        return
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root).parts
        if any(part in _SKIP_DIRS or part.startswith(".") for part in relative[:-1]):
            continue
        yield path


def _module_name(root: Path, path: Path) -> str:
    if root.is_file():
        return path.stem
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts) or path.stem


def mine_file(path: Path, module: str) -> list[Candidate]:
    """The doctest candidates of one file (none when it cannot be read or parsed)."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return []
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    if ">>>" not in text:
        return []
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    return list(_candidates(tree, text, module))


def _candidates(tree: ast.Module, text: str, module: str) -> Iterator[Candidate]:
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    constants = literal_constants(tree)
    for name, function in functions.items():
        docstring = ast.get_docstring(function, clean=True)
        if not docstring or ">>>" not in docstring:
            continue
        needed = closure(function, functions, constants)
        if needed is None:
            continue
        calls = list(_calls(docstring, function, module))[:MAX_EXAMPLES]
        if not calls:
            continue
        source = _program_source(text, needed, constants, functions)
        if source is None:
            continue
        for number, (args, expected) in enumerate(calls):
            yield Candidate(
                id=f"doctest-{module}-{name}-{number}",
                origin=f"doctest:{module}",
                source=source,
                function=name,
                args=args,
                expected=expected,
            )


def _calls(docstring: str, function: ast.FunctionDef, module: str) -> Iterator[tuple[str, str]]:
    """``(args text, expected output)`` of the examples that call ``function`` with literals."""
    name = function.name
    try:
        examples = doctest.DocTestParser().get_examples(docstring)
    except ValueError:
        return
    for example in examples:
        try:
            node = ast.parse(example.source.strip(), mode="eval").body
        except SyntaxError:
            continue
        if not isinstance(node, ast.Call) or not _names_function(node.func, name, module):
            continue
        if not all(_literal(arg) for arg in node.args) or any(
            kw.arg is None or not _literal(kw.value) for kw in node.keywords
        ):
            continue
        if not _fits(function.args, node):
            continue  # e.g. a method-like function the module binds before calling
        parts = [ast.unparse(arg) for arg in node.args]
        parts += [f"{kw.arg}={ast.unparse(kw.value)}" for kw in node.keywords]
        args = ", ".join(parts)
        if len(node.args) == 1 and not node.keywords and isinstance(node.args[0], ast.Tuple):
            args += ","
        yield args, example.want.strip()


def _fits(signature: ast.arguments, call: ast.Call) -> bool:
    """Whether ``call``'s arguments bind to ``signature`` (arity and keyword names)."""
    params = [a.arg for a in (*signature.posonlyargs, *signature.args)]
    if len(call.args) > len(params) and signature.vararg is None:
        return False
    given = set(params[: len(call.args)])
    keyword_names = {a.arg for a in signature.args} | {a.arg for a in signature.kwonlyargs}
    for keyword in call.keywords:
        assert keyword.arg is not None
        if keyword.arg in given or (keyword.arg not in keyword_names and signature.kwarg is None):
            return False
        given.add(keyword.arg)
    required = params[: len(params) - len(signature.defaults)]
    required += [
        a.arg
        for a, default in zip(signature.kwonlyargs, signature.kw_defaults, strict=True)
        if default is None
    ]
    return all(name in given for name in required)


def _names_function(func: ast.expr, name: str, module: str) -> bool:
    if isinstance(func, ast.Name):
        return func.id == name
    return (
        isinstance(func, ast.Attribute)
        and func.attr == name
        and module.endswith(ast.unparse(func.value))
    )


def _literal(node: ast.expr) -> bool:
    if isinstance(node, ast.Starred):
        return False
    try:
        ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


def _program_source(
    text: str,
    needed: Iterable[str],
    constants: dict[str, ast.Assign],
    functions: dict[str, ast.FunctionDef],
) -> str | None:
    """The needed definitions' text, functions without their docstrings."""
    chunks: list[str] = []
    for name in needed:
        node: ast.stmt = constants[name] if name in constants else functions[name]
        segment = ast.get_source_segment(text, node, padded=True)
        if segment is None:
            return None
        if isinstance(node, ast.FunctionDef):
            segment = _without_docstring(segment)
            if segment is None:
                return None
        chunks.append(segment)
    return "\n\n".join(chunks) + "\n"


def _without_docstring(segment: str) -> str | None:
    """A function's text with its docstring lines removed (None if nothing else is left)."""
    lines = segment.splitlines()
    indent = len(lines[0]) - len(lines[0].lstrip())
    lines = [line[indent:] if line[:indent].isspace() else line for line in lines]
    try:
        node = ast.parse("\n".join(lines)).body[0]
    except SyntaxError:
        return None
    assert isinstance(node, ast.FunctionDef)
    first = node.body[0]
    if not (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)):
        return "\n".join(lines)
    if len(node.body) == 1 or first.lineno == node.lineno:
        return None
    start, end = first.lineno, first.end_lineno or first.lineno
    while end < len(lines) and not lines[end].strip():
        end += 1  # and the blank lines after it
    kept = [line for number, line in enumerate(lines, start=1) if not start <= number <= end]
    return "\n".join(kept)
