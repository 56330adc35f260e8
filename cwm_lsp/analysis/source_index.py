"""What the traced file allows: its functions, their lines, their possible locals.

Built with ``ast`` from the whole file.  Used by the generic prompt format to
constrain decoding (only lines that exist in the function being executed,
only names that can be locals there) and to bind given inputs to parameters
without running anything.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from cwm_lsp.analysis.effects import LineEffects
from cwm_lsp.analysis.faults import CertainFaults
from cwm_lsp.analysis.flow import LineFlow
from cwm_lsp.analysis.loops import LoopInfo, find_loops
from cwm_lsp.analysis.receivers import Receiver, receiver_of

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda


@dataclass(frozen=True)
class FunctionInfo:
    """One function (or lambda) of the file."""

    name: str
    qualname: str
    #: the line ``sys.settrace`` reports for the call event (first decorator, else def)
    call_line: int
    def_line: int
    end_line: int
    params: tuple[str, ...]
    #: names that can be locals of a frame of this function (params first)
    names: tuple[str, ...]
    #: lines that can run in this function's own frame
    lines: frozenset[int] = field(default_factory=frozenset)
    #: a method's receiver fields (``self.items``, ...; also in ``names``, after the receiver)
    fields: tuple[str, ...] = ()

    @property
    def entry_names(self) -> tuple[str, ...]:
        """Names a call frame of this function can hold: its parameters and receiver fields."""
        return (*self.params[:1], *self.fields, *self.params[1:])


@dataclass(frozen=True)
class _Analysis:
    flow: LineFlow
    effects: LineEffects
    loops: dict[int, LoopInfo]
    faults: CertainFaults


class SourceIndex:
    """The functions of a Python file; raises SyntaxError when the file does not parse."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.lines = source.splitlines()
        self.tree = ast.parse(source)
        #: instances of the file's classes can run file code without a call: operators,
        #: attribute access and iteration reach special methods (``__add__``,
        #: ``__setattr__``, ``__iter__``, ...) and properties; a class with none of those
        #: (methods, ``__init__``) runs its code only when called
        self.has_classes = any(_runs_code_implicitly(n) for n in ast.walk(self.tree))
        self.has_generators = any(
            isinstance(n, ast.Yield | ast.YieldFrom) for n in ast.walk(self.tree)
        )
        self.functions: list[FunctionInfo] = []
        self._nodes: dict[FunctionInfo, FunctionNode] = {}
        self._receivers: dict[FunctionInfo, Receiver] = {}
        self._analyses: dict[FunctionInfo, _Analysis | None] = {}
        self._collect(self.tree, "")
        self.by_call_line: dict[int, FunctionInfo] = {}
        for info in self.functions:
            self.by_call_line.setdefault(info.call_line, info)
        self.calls_by_line = self._calls_by_line()

    def _collect(self, node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                qualname = prefix + child.name
                self._add(child, child.name, qualname)
                self._collect(child, qualname + ".<locals>.")
            elif isinstance(child, ast.ClassDef):
                self._collect(child, prefix + child.name + ".")
            elif isinstance(child, ast.Lambda):
                self._add(child, "<lambda>", prefix + "<lambda>")
                self._collect(child, prefix)
            else:
                self._collect(child, prefix)

    def _add(self, node: FunctionNode, name: str, qualname: str) -> None:
        params = _params(node.args)
        if isinstance(node, ast.Lambda):
            call_line = node.lineno
            body_lines = frozenset([node.lineno])
            names = params
        else:
            decorators = [d.lineno for d in node.decorator_list]
            call_line = min([node.lineno, *decorators])
            body_lines = frozenset(_statement_lines(node.body))
            names = _local_names(node, params)
        receiver = receiver_of(self.tree, qualname) if "." in qualname else None
        fields = receiver.fields if receiver is not None else ()
        if fields:
            names = (names[0], *fields, *(n for n in names[1:] if n not in fields))
        end = node.end_lineno or node.lineno
        info = FunctionInfo(
            name, qualname, call_line, node.lineno, end, params, names, body_lines, fields
        )
        self.functions.append(info)
        self._nodes[info] = node
        if receiver is not None:
            self._receivers[info] = receiver

    def receiver(self, info: FunctionInfo) -> Receiver | None:
        """What a method of a class runs on (None for functions and staticmethods)."""
        return self._receivers.get(info)

    def _analysis(self, info: FunctionInfo) -> _Analysis | None:
        """The flow, effects, loops and certain faults of a def (None for a lambda), built once."""
        if info not in self._analyses:
            node = self._nodes.get(info)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                names = frozenset(f.name for f in self.functions)
                receiver = self._receivers.get(info)
                fields = (receiver.param, receiver.attributes) if receiver is not None else None
                self._analyses[info] = _Analysis(
                    flow=LineFlow(node),
                    effects=LineEffects(node, names, self.has_generators, fields),
                    loops=find_loops(node),
                    faults=CertainFaults(node),
                )
            else:
                self._analyses[info] = None
        return self._analyses[info]

    def node(self, info: FunctionInfo) -> FunctionNode | None:
        """The ``ast`` node of one of the file's functions (None: not of this file)."""
        return self._nodes.get(info)

    def flow(self, info: FunctionInfo) -> LineFlow | None:
        """Which line can follow which in ``info``'s frame (None for a lambda)."""
        analysis = self._analysis(info)
        return analysis.flow if analysis else None

    def loops(self, info: FunctionInfo) -> dict[int, LoopInfo]:
        """``for`` loops of ``info`` whose items can be read off the state, by header line."""
        analysis = self._analysis(info)
        return analysis.loops if analysis else {}

    def effects(self, info: FunctionInfo) -> LineEffects | None:
        """Which locals each line of ``info`` can change (None for a lambda)."""
        analysis = self._analysis(info)
        return analysis.effects if analysis else None

    def faults(self, info: FunctionInfo) -> CertainFaults | None:
        """Where ``info``'s arithmetic raises for certain (None for a lambda)."""
        analysis = self._analysis(info)
        return analysis.faults if analysis else None

    def find(self, function: str) -> FunctionInfo:
        """The function named ``function`` (plain name, ``Class.method`` or qualname)."""
        for info in self.functions:
            if function in (info.qualname, info.name):
                return info
        tail = function.rsplit(".", 1)[-1]
        for info in self.functions:
            if info.name == tail:
                return info
        raise LookupError(f"no function {function!r} in the file")

    def _calls_by_line(self) -> dict[int, set[str]]:
        """Line -> names of the file's functions that the statement there calls directly.

        Calls inside lambdas and comprehensions are left out (they run in
        frames of their own).
        """
        defined = {f.name for f in self.functions}
        out: dict[int, set[str]] = {}

        def visit(node: ast.AST, line: int | None) -> None:
            if isinstance(
                node, ast.Lambda | ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp
            ):
                return
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                for child in node.body:
                    visit(child, None)
                return
            if isinstance(node, ast.stmt):
                line = node.lineno
            if isinstance(node, ast.Call) and line is not None:
                name = _call_target(node.func)
                if name in defined:
                    out.setdefault(line, set()).add(name)
            for field_name, value in ast.iter_fields(node):
                if isinstance(node, ast.stmt) and field_name in (
                    "body",
                    "orelse",
                    "finalbody",
                    "handlers",
                    "cases",
                ):
                    for child in value if isinstance(value, list) else []:
                        visit(child, None)
                    continue
                if isinstance(value, list):
                    for child in value:
                        if isinstance(child, ast.AST):
                            visit(child, line)
                elif isinstance(value, ast.AST):
                    visit(value, line)

        visit(self.tree, None)
        return out

    def line_text(self, number: int) -> str:
        if 1 <= number <= len(self.lines):
            return self.lines[number - 1]
        return ""

    def called_functions(self, root: FunctionInfo) -> list[FunctionInfo]:
        """``root`` and the file's functions it may call, transitively (by name)."""
        by_name: dict[str, list[FunctionInfo]] = {}
        for info in self.functions:
            by_name.setdefault(info.name, []).append(info)
        seen: list[FunctionInfo] = [root]
        todo = [root]
        while todo:
            info = todo.pop()
            segment = "\n".join(self.lines[info.call_line - 1 : info.end_line])
            for name in _called_names(segment):
                for callee in by_name.get(name, []):
                    if callee not in seen:
                        seen.append(callee)
                        todo.append(callee)
        return seen


def _params(args: ast.arguments) -> tuple[str, ...]:
    names = [a.arg for a in [*args.posonlyargs, *args.args]]
    if args.vararg:
        names.append(args.vararg.arg)
    names.extend(a.arg for a in args.kwonlyargs)
    if args.kwarg:
        names.append(args.kwarg.arg)
    return tuple(names)


def _statement_lines(body: list[ast.stmt]) -> set[int]:
    """Lines that may report a line event: statement headers and simple statements."""
    lines: set[int] = set()
    for stmt in body:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            decorators = [d.lineno for d in stmt.decorator_list]
            lines.update(range(min([stmt.lineno, *decorators]), stmt.lineno + 1))
            continue
        nested = [
            getattr(stmt, attr)
            for attr in ("body", "orelse", "finalbody")
            if isinstance(getattr(stmt, attr, None), list)
        ]
        handlers = getattr(stmt, "handlers", None) or []
        cases = getattr(stmt, "cases", None) or []
        first_child = min(
            [b[0].lineno for b in nested if b and isinstance(b[0], ast.stmt)]
            + [h.lineno for h in handlers]
            + [c.pattern.lineno for c in cases],
            default=None,
        )
        end = stmt.end_lineno or stmt.lineno
        header_end = end if first_child is None else max(stmt.lineno, first_child - 1)
        lines.update(range(stmt.lineno, header_end + 1))
        for block in nested:
            lines |= _statement_lines(block)
        for handler in handlers:
            lines.add(handler.lineno)
            lines |= _statement_lines(handler.body)
        for case in cases:
            lines.add(case.pattern.lineno)
            lines |= _statement_lines(case.body)
    return lines


class _Assigned(ast.NodeVisitor):
    """Names bound in a function's own scope (not in nested functions or classes)."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.globals: set[str] = set()

    def add(self, name: str) -> None:
        if name not in self.names:
            self.names.append(name)

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Store | ast.Del):
            self.add(node.id)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self.add(node.name)
        for expr in [*node.decorator_list, *node.args.defaults, *node.args.kw_defaults]:
            if expr is not None:
                self.visit(expr)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self.add(node.name)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.add(node.name)

    def visit_Lambda(self, node: ast.Lambda) -> None:
        return

    def _comprehension(self, node: ast.AST) -> None:
        # Comprehension variables live in their own scope; walrus targets do not.
        for child in ast.walk(node):
            if isinstance(child, ast.NamedExpr) and isinstance(child.target, ast.Name):
                self.add(child.target.id)

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _comprehension

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.add((alias.asname or alias.name).split(".")[0])

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        for alias in node.names:
            if alias.name != "*":
                self.add(alias.asname or alias.name)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name:
            self.add(node.name)
        self.generic_visit(node)

    def visit_Global(self, node: ast.Global) -> None:
        self.globals.update(node.names)

    def visit_MatchAs(self, node: ast.MatchAs) -> None:
        if node.name:
            self.add(node.name)
        self.generic_visit(node)

    def visit_MatchStar(self, node: ast.MatchStar) -> None:
        if node.name:
            self.add(node.name)


def _local_names(
    node: ast.FunctionDef | ast.AsyncFunctionDef, params: tuple[str, ...]
) -> tuple[str, ...]:
    visitor = _Assigned()
    for stmt in node.body:
        visitor.visit(stmt)
    names = list(params)
    for name in visitor.names:
        if name not in names and name not in visitor.globals:
            names.append(name)
    return tuple(names)


def _called_names(segment: str) -> set[str]:
    try:
        tree = ast.parse(_dedent(segment))
    except SyntaxError:
        return set()
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Name):
                names.add(node.func.id)
            elif isinstance(node.func, ast.Attribute):
                names.add(node.func.attr)
    return names


def _call_target(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _dedent(text: str) -> str:
    import textwrap

    return textwrap.dedent(text)


#: special methods only a call expression reaches (``Cls(...)``)
_CALLED_ONLY = frozenset({"__init__", "__new__"})


def _runs_code_implicitly(node: ast.AST) -> bool:
    """A class whose instances can run its code without a call in the source: it
    defines a special method other than ``__init__``/``__new__``, a decorated method
    (a property, a descriptor), a metaclass, or a class-level value that is not a
    literal (a descriptor instance)."""
    if not isinstance(node, ast.ClassDef):
        return False
    if node.keywords or node.decorator_list:
        return True  # a metaclass, a dataclass's generated methods, ...
    for item in node.body:
        if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
            if item.decorator_list:
                return True
            name = item.name
            if name.startswith("__") and name.endswith("__") and name not in _CALLED_ONLY:
                return True
        elif (
            isinstance(item, ast.Assign | ast.AnnAssign)
            and item.value is not None
            and not isinstance(item.value, ast.Constant)
        ):
            return True
    return False
