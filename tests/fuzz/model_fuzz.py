"""Fuzzing model output: the real formats, sessions and decoder over an engine of noise.

Each hypothesis example picks a program, a function and its inputs (given,
or none: the model invents them), then drives the world model the way the
server and the adapter do: ``imagine`` (what an inlay hint waits for), a
stepping session (step, next, out, back, edit with a drawn value, run to a
line, run), ``next_states`` along a recorded real trace, and ``fill_hole``.
The engine behind it emits random tokens or random bytes
(:class:`~fuzz.random_engine.RandomEngine`), in the generic format and the
native CWM one.

With ``break_contract`` the engine ignores the constraint now and then (see
there); then only ``imagine`` and sessions are driven, the paths the
server and the adapter take for every prediction and step.

Checks: ``imagine``, ``next_states`` and ``fill_hole`` never raise; session
moves raise only what the TraceSession protocol allows (``edit`` of a name a
return frame has not: ValueError; no entry frame at all: RuntimeError);
every trace stays within ``max_frames`` with well-formed frames (a known
event, a line inside the file or 0, string locals) whose every string can be
sent to an editor (UTF-8, no lone surrogates); every call ends within a
bounded number of generated tokens.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from cwm_lsp.model.world import LlamaWorldModel
from cwm_lsp.trace import Frame, Trace

from .budget import run_bounded
from .random_engine import RandomEngine

PROGRAMS: dict[str, tuple[str, tuple[str, ...]]] = {
    "arith": (
        "def helper(x):\n"
        "    return x * 2\n"
        "\n"
        "\n"
        "def total(n):\n"
        "    acc = 0\n"
        "    for i in range(n):\n"
        "        acc += helper(i)\n"
        "    return acc\n",
        ("total", "helper"),
    ),
    "text": (
        "def shout(word: str, times=2):\n"
        "    out = word.upper() + '😀'\n"
        "    if not out:\n"
        "        raise ValueError('empty')\n"
        "    return out * times\n",
        ("shout",),
    ),
    "methods": (
        "class Box:\n"
        "    def __init__(self, n):\n"
        "        self.items = [n]\n"
        "\n"
        "    def grow(self, k):\n"
        "        self.items.append(k)\n"
        "        return len(self.items)\n",
        ("Box.grow", "Box.__init__"),
    ),
    "loops": (
        "def spin(n):\n    while True:\n        n += 1\n\n\ndef divide(a):\n    return a / 0\n",
        ("spin", "divide"),
    ),
}
ARGS = ("(2,)", "3", "'abc'", "total(1)", "Box(1).grow(5)", "Box(2)", "(1, 2, 3)", "x=1", "")
HOLE = "def f(x):\n    y = ?? * 2\n    return y\n"
#: generous: a frame is at most a few hundred tokens, a fill a few dozen
TOKENS_PER_FRAME = 1200


@dataclass
class ModelReport:
    fmt: str
    break_contract: float = 0.0
    examples: int = 0
    calls: Counter[str] = field(default_factory=Counter)
    frames: int = 0
    samples: int = 0
    contract_breaks: int = 0
    endings: Counter[str] = field(default_factory=Counter)
    violations: list[str] = field(default_factory=list)
    seconds: float = 0.0


def sendable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_frames(frames: list[Frame], source: str, where: str) -> None:
    n_lines = source.count("\n") + 1
    for frame in frames:
        if frame.event not in ("call", "line", "return", "exception"):
            raise AssertionError(f"{where}: a frame with event {frame.event!r}")
        if not isinstance(frame.line, int) or not 0 <= frame.line <= n_lines:
            raise AssertionError(
                f"{where}: a frame on line {frame.line!r} of a {n_lines}-line file"
            )
        strings = [frame.source, *frame.locals.keys(), *frame.locals.values()]
        if frame.value is not None:
            strings.append(frame.value)
        for text in strings:
            if not isinstance(text, str) or not sendable(text):
                raise AssertionError(
                    f"{where}: a frame holds {text!r}, which no editor can be sent"
                )


def check_trace(trace: Trace, source: str, max_frames: int, where: str) -> None:
    if len(trace.frames) > max_frames:
        raise AssertionError(f"{where}: {len(trace.frames)} frames past max_frames={max_frames}")
    check_frames(trace.frames, source, where)
    for text in (trace.error, trace.args or "", trace.return_value or ""):
        if not sendable(text):
            raise AssertionError(f"{where}: the trace says {text!r}, which no editor can be sent")


class ModelFuzzer:
    def __init__(
        self, model: LlamaWorldModel, real_trace: tuple[str, list[Frame]], report: ModelReport
    ) -> None:
        self.model = model
        engine = model.engine
        assert isinstance(engine, RandomEngine)
        self.engine: RandomEngine = engine
        self.real_source, self.real_frames = real_trace
        self.report = report

    def bounded(self, before: int, frames: int, where: str) -> None:
        used = self.engine.samples - before
        if used > TOKENS_PER_FRAME * (frames + 2):
            raise AssertionError(f"{where}: {used} tokens sampled for {frames} frames")

    def episode(self, data: st.DataObject) -> None:
        program = data.draw(st.sampled_from(sorted(PROGRAMS)))
        source, functions = PROGRAMS[program]
        function = data.draw(st.sampled_from(functions))
        args = data.draw(st.sampled_from((*ARGS, None, None)))
        max_frames = data.draw(st.integers(1, 24))
        temperature = data.draw(st.sampled_from([0.0, 0.0, 0.7, 1.5]))
        self.engine.reseed(
            data.draw(st.integers(0, 2**32 - 1)),
            noise=data.draw(st.sampled_from(["tokens", "bytes"])),
        )
        where = f"{self.report.fmt} {program}.{function}({args})"
        operations = ["imagine", "session", "session"]
        if not self.engine.break_contract:
            # teacher forcing and hole fills assume the engine keeps the seam's promise
            operations += ["next_states", "fill_hole"]
        operation = data.draw(st.sampled_from(operations))
        self.report.calls[operation] += 1
        before = self.engine.samples
        if operation == "imagine":
            imagined = self.model.imagine(
                source, function, args, max_frames=max_frames, temperature=temperature
            )
            check_trace(imagined.trace, source, max_frames, where)
            self.report.frames += len(imagined.trace.frames)
            self.report.endings[imagined.trace.reason.value] += 1
            self.bounded(before, max_frames, where)
        elif operation == "session":
            self.session(data, source, function, args, max_frames, temperature, where)
        elif operation == "next_states":
            states = self.model.next_states(self.real_source, "total", "2", self.real_frames)
            predicted = [f for f in states.predicted if f is not None]
            check_frames(predicted, self.real_source, where + " next_states")
            if len(states.predicted) > len(self.real_frames):
                raise AssertionError(
                    f"{where}: {len(states.predicted)} next states for {len(self.real_frames)} frames"
                )
            self.bounded(before, len(self.real_frames), where)
        else:
            start = HOLE.index("??")
            fills = self.model.fill_hole(HOLE, start, start + 2, n=data.draw(st.integers(1, 3)))
            for fill in fills:
                if not sendable(fill.text):
                    raise AssertionError(
                        f"{where}: a hole fill {fill.text!r} no editor can be sent"
                    )
            self.bounded(before, 3, where)
        self.report.samples = self.engine.samples
        self.report.contract_breaks = self.engine.contract_breaks
        self.report.examples += 1

    def session(
        self,
        data: st.DataObject,
        source: str,
        function: str,
        args: str | None,
        max_frames: int,
        temperature: float,
        where: str,
    ) -> None:
        session = self.model.session(
            source, function, args=args, max_frames=max_frames, temperature=temperature
        )
        try:
            try:
                session.reset()
            except Exception as exc:  # the adapter turns this into "could not start imagining"
                raise AssertionError(f"{where}: reset raised {exc!r}") from exc
            for _ in range(data.draw(st.integers(1, 12))):
                move = data.draw(
                    st.sampled_from(
                        ["step", "next", "out", "back", "edit", "run_to", "run", "stack"]
                    )
                )
                before = self.engine.samples
                try:
                    if move == "edit":
                        name = data.draw(
                            st.sampled_from(
                                ["n", "acc", "word", "self.items", "(return)", "<value>", "nope"]
                            )
                        )
                        value = data.draw(
                            st.sampled_from(
                                ["1", "'x'", "[1, 2]", "None", "😀", "'\\udcff'", "(((", ""]
                            )
                        )
                        session.edit(name, value)
                    elif move == "run_to":
                        session.run_to(data.draw(st.integers(-1, 12)))
                    elif move == "run":
                        session.run()
                    elif move == "stack":
                        session.stack()
                    else:
                        getattr(session, move)()
                except ValueError as exc:
                    if move != "edit":
                        raise AssertionError(f"{where}: {move} raised {exc!r}") from exc
                except RuntimeError as exc:
                    if session.frames:
                        raise AssertionError(f"{where}: {move} raised {exc!r}") from exc
                self.bounded(before, max_frames, f"{where} {move}")
                check_trace(session.trace, source, max_frames, f"{where} after {move}")
            self.report.frames += len(session.frames)
            self.report.endings[session.trace.reason.value] += 1
        finally:
            session.close()


def fuzz_model_output(
    model: LlamaWorldModel,
    real_trace: tuple[str, list[Frame]],
    *,
    fmt: str,
    seed_value: int,
    examples: int,
    seconds: float,
) -> ModelReport:
    assert isinstance(model.engine, RandomEngine)
    report = ModelReport(fmt, model.engine.break_contract)
    fuzzer = ModelFuzzer(model, real_trace, report)
    started = time.monotonic()
    failure = run_bounded(
        fuzzer.episode, seed_value=seed_value, examples=examples, seconds=seconds, chunk=10
    )
    if failure is not None:
        report.violations.append(failure)
    report.seconds = time.monotonic() - started
    return report


def summary(report: ModelReport) -> dict[str, Any]:
    return {
        "format": report.fmt,
        "break_contract": report.break_contract,
        "examples": report.examples,
        "calls": dict(report.calls),
        "frames": report.frames,
        "tokens_sampled": report.samples,
        "contract_breaks": report.contract_breaks,
        "endings": dict(report.endings),
        "seconds": round(report.seconds, 1),
        "violations": len(report.violations),
    }
