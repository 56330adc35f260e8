"""A stepping session through an imagined execution (the TraceSession protocol).

The session keeps the token history of its trace and, for every frame, the
history's length after it.  Moving forward appends tokens and the engine
evaluates only those.  Each frame is settled when it is made (its forced tail,
such as the line's source text, is evaluated then, not by the next step), so
a step costs its own frame's tokens, whatever came before.  ``back`` and
``edit`` cut the history back to a frame boundary, so the next step
re-evaluates only from there.  ``index`` is always the last frame: moving
back drops the frames after it, and stepping forward regenerates them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from cwm_lsp.engine import ContextFullError, Engine, NoValidToken, ShouldStop
from cwm_lsp.engine.decoder import Decoder
from cwm_lsp.engine.remote_http import RemoteError
from cwm_lsp.formats.base import Cancelled, FrameFormat, function_name_of
from cwm_lsp.model.calibration import Calibration
from cwm_lsp.model.termination import TerminationWatch
from cwm_lsp.trace import VALUE_KEY, EndReason, Event, Frame, Trace, frame_depths

log = logging.getLogger(__name__)

#: Consecutive frames that fail to parse before the session gives up.
MAX_ERRORS_IN_A_ROW = 3


class ImaginedSession:
    """Steps through the model's imagined execution of one function call."""

    def __init__(
        self,
        engine: Engine,
        fmt: FrameFormat,
        *,
        args: str | None = None,
        temperature: float = 0.0,
        max_frames: int = 200,
        seed: int = 0,
        calibration: Calibration | None = None,
    ) -> None:
        self.engine = engine
        self.fmt = fmt
        #: what says the run can never end: the run stops at a cycle (the rest would repeat)
        self.termination = TerminationWatch(fmt.source, fmt.function)
        #: maps the model's value probabilities to the probability of being right
        self.calibration = calibration
        self.decoder = Decoder(engine, temperature=temperature, seed=seed)
        self.max_frames = max_frames
        self.frames: list[Frame] = []
        self.index = 0
        self.args = ""
        self.done = False
        self.tokens_evaluated = 0
        self.tokens_generated = 0
        self.invented_args = False
        self.parse_errors = 0
        self.reason = EndReason.RETURNED
        self.error = ""
        #: checked between tokens; a cancelled call leaves the session as it was
        self.should_stop: ShouldStop | None = None
        #: the failure of the server hosting the model that ended the session (None: none)
        self.remote_error: RemoteError | None = None
        self._initial_args = args
        self._prompt_end = 0
        self._ends: list[int] = []
        self._errors_in_row = 0
        self._started = False

    # ---------------------------------------------------------------- protocol

    @property
    def current(self) -> Frame:
        if not self.frames:
            self.reset()
        if not self.frames:
            raise RuntimeError(f"no imagined frame: {self.error or 'the model failed'}")
        return self.frames[self.index]

    @property
    def trace(self) -> Trace:
        return Trace(
            frames=list(self.frames),
            reason=self.reason if self.done else EndReason.FRAME_CAP,
            function=self.fmt.function,
            args=self.args,
            error=self.error,
            parse_errors=self.parse_errors,
        )

    def reset(self, args: str | None = None) -> Frame:
        """Start over from the entry call (``args`` None: the inputs given before, else invented)."""
        if args is not None:
            self._initial_args = args
        self._started = True
        self.frames = []
        self._ends = []
        self.index = 0
        self.done = False
        self.reason = EndReason.RETURNED
        self.error = ""
        self.parse_errors = 0
        self._errors_in_row = 0
        self.remote_error = None
        self.decoder.truncate(0)
        self.fmt.forget_after(0)
        self.fmt.prompt(self.decoder)
        self._prompt_end = len(self.decoder.tokens)
        try:
            entry = self.fmt.entry(self.decoder, self._initial_args, self.should_stop)
            if entry.frame is not None:
                self.decoder.settle()  # the prompt, so the first step costs what any step does
        except ContextFullError as exc:
            return self._fail(EndReason.ERROR, str(exc))
        except Cancelled:
            raise
        except RemoteError as exc:  # the server hosting the model failed (as in _advance)
            log.warning("generating the entry frame failed: %s", exc)
            self.remote_error = exc
            return self._fail(EndReason.ERROR, str(exc))
        except Exception as exc:  # a model must never crash the caller (as in _advance)
            log.exception("generating the entry frame failed")
            self.parse_errors += 1
            return self._fail(EndReason.ERROR, f"internal error while generating: {exc}")
        finally:
            self._count()
        self.args = entry.args
        self.invented_args = entry.invented
        if entry.frame is None:
            self.parse_errors += 1
            return self._fail(EndReason.ERROR, entry.error)
        frame = self._calibrated(entry.frame)
        self.frames.append(frame)
        self._ends.append(len(self.decoder.tokens))
        return frame

    def step(self) -> Frame:
        """One frame forward, into calls."""
        self._ensure_started()
        self._advance()
        return self.current

    def next(self) -> Frame:
        """One frame forward in this function: a call is stepped over (its return forced)."""
        self._ensure_started()
        depth = self._scope_depth()
        frame = self._advance()
        while frame is not None and frame.event == "call" and self._depth() > depth:
            if self._advance("return") is None:
                break
            frame = self._advance()
        return self.current

    def out(self) -> Frame:
        """Run to the return of the current function, then one step into the caller."""
        self._ensure_started()
        target = self._scope_depth()
        while not self.done:
            last = self.frames[-1]
            force: Event | None = (
                "return" if last.event == "call" and self._depth() > target else None
            )
            frame = self._advance(force)
            if frame is None:
                if self.done:
                    break
                continue
            if frame.event == "return" and self._depth() == target:
                if target > 0:
                    self._advance()
                break
        return self.current

    def back(self) -> Frame:
        """One frame back: the frame and the token history exactly as they were."""
        self._ensure_started()
        if len(self.frames) > 1:
            self.frames.pop()
            self._ends.pop()
            self._cut(self._ends[-1])
            self.index = len(self.frames) - 1
            self.done = False
            self.reason = EndReason.RETURNED
            self.error = ""
        return self.current

    def run_to(self, line: int, max_frames: int | None = None) -> Frame:
        """Step until a frame at ``line`` (a breakpoint), the end, or ``max_frames`` more frames."""
        self._ensure_started()
        budget = max_frames if max_frames is not None else self.max_frames
        for _ in range(budget):
            if self.done:
                break
            frame = self._advance()
            if frame is not None and frame.line == line and frame.event in ("line", "call"):
                break
        return self.current

    def edit(self, name: str, value: str) -> Frame:
        """Set a local (or, on a return/exception frame, the value) and go on from there."""
        self._ensure_started()
        frame = self.current
        confidence = dict(frame.confidence)
        if frame.event in ("call", "line"):
            state = dict(frame.locals)
            state[name] = value
            edited = Frame(frame.event, frame.line, frame.source, state, frame.value)
            confidence[name] = 1.0
        elif name in (VALUE_KEY, "value", "return"):
            edited = Frame(frame.event, frame.line, frame.source, {}, value)
            confidence[VALUE_KEY] = 1.0
        else:
            raise ValueError(f"a {frame.event} frame has no local {name!r}")
        edited = Frame(
            edited.event, edited.line, edited.source, edited.locals, edited.value, confidence
        )
        self.frames[self.index] = edited
        start = self._ends[self.index - 1] if self.index > 0 else self._prompt_end
        self._cut(start)
        self.decoder.push(self.fmt.frame_tokens(self.frames, self.index))
        self._ends[self.index] = len(self.decoder.tokens)
        try:
            self.decoder.settle()
        except ContextFullError:
            pass  # the next step meets it again, and ends the trace with the reason
        finally:
            self._count()
        self.done = False
        self._check_end(edited)
        return edited

    def run(
        self, max_frames: int | None = None, on_frame: Callable[[Trace], None] | None = None
    ) -> Trace:
        """Generate to the end, or ``max_frames`` frames (reason: frame cap); ``on_frame``
        sees the trace so far after every new frame."""
        self._ensure_started()
        cap = min(self.max_frames, max_frames) if max_frames is not None else self.max_frames
        while not self.done and len(self.frames) < cap:
            if self._advance() is not None and on_frame is not None and not self.done:
                on_frame(self.trace)
        if not self.done and len(self.frames) >= cap:
            self.done = True
            self.reason = EndReason.FRAME_CAP
            self.error = f"stopped after {cap} imagined steps (the frame cap)"
        return self.trace

    def stack(self) -> list[tuple[str, int]]:
        """(function, line) of each imagined call level, innermost first."""
        self._ensure_started()
        frames = self.frames[: self.index + 1]
        depths = frame_depths(frames)
        levels: list[tuple[str, int]] = []
        names: list[str] = []
        for frame, depth in zip(frames, depths, strict=True):
            if frame.event == "call":
                del names[depth:]
                names.append(function_name_of(frame))
                del levels[depth:]
                levels.append((names[-1], frame.line))
            elif depth < len(levels):
                levels[depth] = (levels[depth][0], frame.line)
                del levels[depth + 1 :]
            if frame.event == "return" and frame is not frames[-1]:
                del levels[depth:]
        return list(reversed(levels))

    def close(self) -> None:
        self.decoder.close()

    # ---------------------------------------------------------------- internals

    def _ensure_started(self) -> None:
        if not self._started:
            self.reset()

    def _calibrated(self, frame: Frame) -> Frame:
        if self.calibration is None:
            return frame
        return self.calibration.apply(frame, len(self.frames))

    def _count(self) -> None:
        self.tokens_evaluated = self.decoder.tokens_evaluated
        self.tokens_generated = self.decoder.tokens_generated

    def _cut(self, length: int) -> None:
        self.decoder.truncate(length)
        self.fmt.forget_after(length)

    def _fail(self, reason: EndReason, error: str) -> Frame:
        self.done = True
        self.reason = reason
        self.error = error
        log.info("imagined trace ended (%s): %s", reason, error)
        return self.frames[self.index] if self.frames else Frame("call", 0, "")

    def _depth(self) -> int:
        return frame_depths(self.frames)[-1] if self.frames else 0

    def _scope_depth(self) -> int:
        """The depth of the function the current frame leaves us in."""
        depth = self._depth()
        return depth - 1 if self.frames and self.frames[-1].event == "return" else depth

    def _advance(self, force: Event | None = None) -> Frame | None:
        """Generate the next frame (retrying after unparsable ones); None at the end."""
        while not self.done:
            if len(self.frames) >= self.max_frames:
                self.done = True
                self.reason = EndReason.FRAME_CAP
                self.error = f"stopped after {self.max_frames} imagined steps (the frame cap)"
                return None
            start = len(self.decoder.tokens)
            try:
                generated = self.fmt.generate(self.decoder, self.frames, force, self.should_stop)
                if generated.frame is not None:
                    self.decoder.settle()  # the frame's forced tail, now rather than next step
            except Cancelled:
                self._cut(start)
                self._count()
                raise
            except ContextFullError as exc:
                self._cut(start)
                steps = len(self.frames)
                self._fail(EndReason.FRAME_CAP, f"{exc}: stopped after {steps} imagined steps")
                return None
            except NoValidToken as exc:
                self._cut(start)
                self.parse_errors += 1
                self._fail(EndReason.ERROR, str(exc))
                return None
            except RemoteError as exc:  # the server hosting the model failed: say what happened
                log.warning("generating a frame failed: %s", exc)
                self.remote_error = exc
                self._cut(start)
                self._fail(EndReason.ERROR, str(exc))
                return None
            except Exception as exc:  # a model must never crash the caller
                log.exception("generating a frame failed")
                self._cut(start)
                self.parse_errors += 1
                self._fail(EndReason.ERROR, f"internal error while generating: {exc}")
                return None
            finally:
                self._count()
            if generated.frame is None:
                if generated.ended:
                    self._cut(start)
                    self._end_by_model()
                    return None
                self.parse_errors += 1
                self._errors_in_row += 1
                log.debug("unparsable frame: %s", generated.error)
                if self._errors_in_row >= MAX_ERRORS_IN_A_ROW:
                    self._cut(start)
                    self._fail(
                        EndReason.ERROR, f"the model's frames do not parse ({generated.error})"
                    )
                    return None
                continue
            self._errors_in_row = 0
            frame = self._calibrated(generated.frame)
            self.frames.append(frame)
            self._ends.append(len(self.decoder.tokens))
            self.index = len(self.frames) - 1
            self._check_end(frame)
            if not self.done:
                self._check_cycle()
            return frame
        return None

    def _check_end(self, frame: Frame) -> None:
        """A return from the entry function ends the trace."""
        if frame.event != "return" or self._depth() != 0:
            return
        self.done = True
        raised = self._raising_exception()
        if raised is not None:
            self.reason = EndReason.RAISED
            self.error = raised.value or ""
        else:
            self.reason = EndReason.RETURNED

    def _check_cycle(self) -> None:
        """Back at a line with the same state, with no external inputs: the run would go
        round the same way for ever, so it ends here."""
        cycle = self.termination.cycle(self.frames)
        if cycle is None:
            return
        self.done = True
        self.reason = EndReason.CYCLE
        self.error = (
            f"line {cycle.line} repeats with the same state (steps {cycle.first + 1} and "
            f"{cycle.again + 1}): the imagined run would go round for ever"
        )
        log.info("imagined trace ended (cycle): %s", self.error)

    def _raising_exception(self) -> Frame | None:
        """The exception frame right before the entry's return (it propagates), if any."""
        depths = frame_depths(self.frames)
        for frame, depth in zip(reversed(self.frames[:-1]), reversed(depths[:-1]), strict=True):
            if depth == 0:
                return frame if frame.event == "exception" else None
        return None

    def _end_by_model(self) -> None:
        """The model ended the trace (end of text) before the entry returned."""
        self.done = True
        last = self.frames[-1] if self.frames else None
        if last is not None and last.event == "exception":
            self.reason = EndReason.RAISED
            self.error = last.value or ""
        else:
            self.reason = EndReason.RETURNED
