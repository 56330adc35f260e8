"""Open documents: parsed once per version, with a prediction plan per function.

A plan says what the model is asked (the function's text, the same-file
functions it calls, the inputs) and how the trace's lines map back to the
document.  Plans are built lazily and kept for the document's version, so a
request costs a dictionary lookup once the document is parsed.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from cwm_lsp.predict.keys import FillKey, PredictionKey
from cwm_lsp.source import FunctionInfo, Hole, InputChoice, PythonDocument, choose_inputs
from cwm_lsp.source.context import imports_used, method_context
from cwm_lsp.source.positions import LineIndex, utf16_len

#: at most this many same-file callees go into a prompt
MAX_CALLEES = 4
MAX_CALLEE_LINES = 120


#: "simulate again" at temperature 0 would give the same trace: sample instead
RESAMPLE_TEMPERATURE = 0.7


def _sampling_temperature(temperature: float, sample: int) -> float:
    return temperature if sample == 0 or temperature > 0 else RESAMPLE_TEMPERATURE


def _normalize(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def predictable(func: FunctionInfo) -> bool:
    """A function with a ``??`` hole cannot run: fill the hole first."""
    return "??" not in func.text


@dataclass(frozen=True)
class UserInput:
    """Inputs the user gave with ``cwm.simulateWithInputs``."""

    args: str | None
    origin: str = "given by you"
    line: int | None = None


@dataclass(frozen=True)
class PlanOptions:
    model: str
    temperature: float
    max_frames: int
    #: (qualname, args text the user asked for)
    inputs: tuple[tuple[str, str], ...] = ()
    #: (qualname, resample counter)
    samples: tuple[tuple[str, int], ...] = ()

    def input_for(self, qualname: str) -> str | None:
        return dict(self.inputs).get(qualname)

    def sample_for(self, qualname: str) -> int:
        return dict(self.samples).get(qualname, 0)


@dataclass(frozen=True)
class FunctionPlan:
    func: FunctionInfo
    key: PredictionKey
    inputs: InputChoice | UserInput
    #: 1-based line in ``key.source`` where the function's text starts
    first_model_line: int

    def to_doc_line(self, model_line: int) -> int | None:
        """A 1-based line of the model's source -> 0-based document line (None: outside)."""
        rel = model_line - self.first_model_line
        if 0 <= rel <= self.func.end_line - self.func.start_line:
            return self.func.start_line - 1 + rel
        return None

    def real_to_doc_line(self, file_line: int) -> int | None:
        """A 1-based line of the document (real traces run the whole file) -> 0-based."""
        if self.func.start_line <= file_line <= self.func.end_line:
            return file_line - 1
        return None


@dataclass
class OpenDocument:
    uri: str
    version: int
    text: str
    _doc: PythonDocument | None = None
    _index: LineIndex | None = None
    _functions: list[FunctionInfo] | None = None
    _plans: dict[str, FunctionPlan] = field(default_factory=dict)
    _options: PlanOptions | None = None
    #: per-function memo of rendered results (key -> anything a feature caches)
    memo: dict[tuple[str, object], object] = field(default_factory=dict)
    #: False while a big file is being analysed on a thread
    ready: bool = True
    #: the other open documents (their call sites give inputs when this file has none)
    neighbours: Callable[[], Sequence[PythonDocument]] | None = None
    _holes: list[Hole] | None = None

    def analyse(self, limit: int) -> None:
        """Parse, and plan the first ``limit`` predictable functions, ahead of use
        (on the analysis thread: the document is not shared yet)."""
        functions = [f for f in self.functions() if predictable(f)]
        for func in functions[:limit]:
            self.plan(func)
        if "??" in self.text:
            self.holes()

    def mark_unanalysable(self) -> None:
        """The analysis failed: serve the document as one without functions."""
        self._functions = []
        self._holes = []

    @property
    def doc(self) -> PythonDocument:
        if self._doc is None:
            self._doc = PythonDocument(self.text)
        return self._doc

    @property
    def index(self) -> LineIndex:
        if self._index is None:
            self._index = LineIndex(self.text)
        return self._index

    def line_end(self, line0: int) -> int:
        """UTF-16 column of the end of a 0-based line."""
        if line0 >= self.index.line_count:
            return 0
        return utf16_len(self.index.line_text(line0))

    def functions(self) -> list[FunctionInfo]:
        if self._functions is None:
            self._functions = list(self.doc.functions())
        return self._functions

    def functions_between(self, first0: int, last0: int) -> list[FunctionInfo]:
        """Functions overlapping 0-based lines first0..last0."""
        return [
            f for f in self.functions() if f.start_line - 1 <= last0 and f.end_line - 1 >= first0
        ]

    def function_at(self, line0: int) -> FunctionInfo | None:
        """The innermost function holding a 0-based line."""
        best: FunctionInfo | None = None
        for f in self.functions():
            if f.start_line - 1 <= line0 <= f.end_line - 1 and (
                best is None or f.start_line >= best.start_line
            ):
                best = f
        return best

    def function_named(self, name: str) -> FunctionInfo | None:
        for f in self.functions():
            if f.qualname == name:
                return f
        for f in self.functions():
            if f.name == name:
                return f
        return None

    def set_options(self, options: PlanOptions) -> None:
        if options != self._options:
            self._options = options
            self._plans.clear()
            self.memo.clear()

    def plan(self, func: FunctionInfo) -> FunctionPlan:
        plan = self._plans.get(func.qualname)
        if plan is None or plan.func != func:
            plan = self._build_plan(func)
            self._plans[func.qualname] = plan
        return plan

    def forget_borrowed_plans(self) -> None:
        """Another file changed: plans whose inputs it may give are made again when asked."""
        for qualname, plan in list(self._plans.items()):
            if plan.inputs.origin in ("invented", "call site in another file"):
                del self._plans[qualname]
                self.memo.clear()

    def cached_plan(self, qualname: str) -> FunctionPlan | None:
        return self._plans.get(qualname)

    def _build_plan(self, func: FunctionInfo) -> FunctionPlan:
        options = self._options
        assert options is not None, "set_options first"
        callees = self._callee_texts(func)
        imports = imports_used(self.doc, func)
        prefix = "".join(line + "\n" for line in imports) + ("\n" if imports else "")
        prefix += "".join(text + "\n\n" for text in callees)
        context = method_context(self.doc, func)
        if context is not None:  # a method: its class, cut down to what the method needs
            own = context.text
            first_line = prefix.count("\n") + context.first_line
            function = func.qualname
        else:
            own = textwrap.dedent(_normalize(func.text)).rstrip("\n") + "\n"
            first_line = prefix.count("\n") + 1
            function = func.name
        sample = options.sample_for(func.qualname)
        override = options.input_for(func.qualname)
        inputs: InputChoice | UserInput
        chosen_args: str | None
        if override is not None:
            inputs = UserInput(override)
            chosen_args = override
        else:
            others = self.neighbours() if self.neighbours is not None else ()
            inputs = choose_inputs(self.doc, func, others)
            chosen_args = inputs.args
        key = PredictionKey(
            source=prefix + own,
            function=function,
            args=chosen_args,
            model=options.model,
            temperature=_sampling_temperature(options.temperature, sample),
            max_frames=options.max_frames,
            sample=sample,
        )
        return FunctionPlan(func=func, key=key, inputs=inputs, first_model_line=first_line)

    def _callee_texts(self, func: FunctionInfo) -> list[str]:
        wanted = set(func.body_names)
        texts: list[str] = []
        lines = 0
        for other in self.functions():
            if len(texts) >= MAX_CALLEES:
                break
            if other is func or other.class_name is not None or other.qualname != other.name:
                continue
            if other.name not in wanted or other.name == func.name:
                continue
            size = other.end_line - other.start_line + 1
            if lines + size > MAX_CALLEE_LINES:
                continue
            lines += size
            texts.append(textwrap.dedent(_normalize(other.text)).rstrip("\n"))
        return texts

    # -- holes ------------------------------------------------------------------------------

    def holes(self) -> list[Hole]:
        if self._holes is None:
            self._holes = list(self.doc.holes())
        return self._holes

    def fill_unit(self, hole: Hole) -> tuple[str, int, int, int]:
        """The text a hole is filled in: (text, hole start, hole end, offset of text in document).

        The enclosing function when there is one (so an edit elsewhere does not
        invalidate the candidates), else the whole document.
        """
        func = self.function_at(self.index.line_of(hole.start))
        if func is None:
            return self.text, hole.start, hole.end, 0
        start = self.index.starts[func.start_line - 1]
        end = self.index.ends[func.end_line - 1]
        return self.text[start:end], hole.start - start, hole.end - start, start

    def fill_key(self, hole: Hole, model: str) -> FillKey:
        text, start, end, _ = self.fill_unit(hole)
        return FillKey(source=text, start=start, end=end, model=model)
