"""The loaded model: sessions, whole imagined traces, next-state predictions and hole fills."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from cwm_lsp.engine import Engine
from cwm_lsp.formats.base import Cancelled, FrameFormat
from cwm_lsp.formats.generic import GenericFormat
from cwm_lsp.formats.native import NativeFormat
from cwm_lsp.model.api import HoleFill, Imagined, ModelInfo, NextStates, OnFrame, ShouldStop
from cwm_lsp.model.calibration import Calibration
from cwm_lsp.model.holes import fill_hole
from cwm_lsp.model.prefix_state import PrefixReport
from cwm_lsp.model.session import ImaginedSession
from cwm_lsp.model.teacher import next_states
from cwm_lsp.trace import EndReason, Frame, Trace

log = logging.getLogger(__name__)


class SourceError(ValueError):
    """The source or the function cannot be traced (does not parse, no such function)."""


class LlamaWorldModel:
    """A WorldModel on one llama.cpp context (use it from one thread only)."""

    def __init__(self, engine: Engine, info: ModelInfo, *, constrained: bool = True) -> None:
        self.engine = engine
        self.info = info
        #: generic format only: constrain decoding to well-formed frames
        self.constrained = constrained
        #: generic format only: values must be Python reprs (literals, constructor reprs)
        self.literal_values = True
        #: generic format only: only lines that can run next, only locals the line can change
        self.line_flow = True
        #: generic format only: ``return name`` returns the value ``name`` has
        self.return_locals = True
        #: generic format only: a name a line only reads, holding an immutable value, keeps it
        self.immutable_reads = True
        #: generic format only: the prompt opens with the worked examples (an adapter
        #: trained without them turns this off)
        self.fewshot = True
        #: the calibration fitted for this model (None: raw probabilities, labelled so)
        self.calibration: Calibration | None = None
        #: how the prompt's fixed prefix got into the cache at load (None: it did not)
        self.prefix_report: PrefixReport | None = None
        self._seed = 0

    def _format(self, source: str, function: str) -> FrameFormat:
        try:
            if self.info.format == "cwm":
                return NativeFormat(self.engine, source, function)
            return GenericFormat(
                self.engine,
                source,
                function,
                constrained=self.constrained,
                literal_values=self.literal_values,
                line_flow=self.line_flow,
                return_locals=self.return_locals,
                immutable_reads=self.immutable_reads,
                fewshot=self.fewshot,
            )
        except SyntaxError as exc:
            raise SourceError(f"the file does not parse: line {exc.lineno}: {exc.msg}") from None
        except LookupError as exc:
            raise SourceError(str(exc)) from None

    def session(
        self,
        source: str,
        function: str,
        *,
        args: str | None = None,
        filename: str = "<source>",
        temperature: float = 0.0,
        max_frames: int = 200,
    ) -> ImaginedSession:
        """A stepping session; raises SourceError when the source cannot be traced."""
        self._seed += 1
        return ImaginedSession(
            self.engine,
            self._format(source, function),
            args=args,
            temperature=temperature,
            max_frames=max_frames,
            seed=self._seed,
            calibration=self.calibration,
        )

    def imagine(
        self,
        source: str,
        function: str,
        args: str | None = None,
        *,
        filename: str = "<source>",
        temperature: float = 0.0,
        max_frames: int = 200,
        should_stop: ShouldStop | None = None,
        on_frame: OnFrame | None = None,
    ) -> Imagined:
        """The whole imagined trace; never raises for a bad source or model output
        (a server hosting the model that fails raises its ``RemoteError``: that is no
        prediction to keep).

        ``on_frame`` sees the trace so far after each frame (on the calling
        thread): what a caller streams to the editor while the rest is imagined.
        """
        started = time.perf_counter()
        try:
            session = self.session(
                source,
                function,
                args=args,
                filename=filename,
                temperature=temperature,
                max_frames=max_frames,
            )
        except SourceError as exc:
            trace = Trace(
                reason=EndReason.ERROR, function=function, args=args or "", error=str(exc)
            )
            return Imagined(trace=trace, seconds=time.perf_counter() - started)
        session.should_stop = should_stop
        cancelled = False
        try:
            session.reset()
            if on_frame is not None and session.frames:
                on_frame(session.trace)
            trace = session.run(max_frames, on_frame=on_frame)
            if session.remote_error is not None:
                raise session.remote_error  # not a prediction: the caller retries it later
        except Cancelled:
            cancelled = True
            trace = session.trace
            trace.reason = EndReason.ERROR
            trace.error = "cancelled"
        finally:
            session.close()
        return Imagined(
            trace=trace,
            invented_args=session.invented_args,
            input_origins=dict(session.fmt.origins),
            tokens_generated=session.tokens_generated,
            tokens_evaluated=session.tokens_evaluated,
            seconds=time.perf_counter() - started,
            cancelled=cancelled,
        )

    def next_states(
        self,
        source: str,
        function: str,
        args: str,
        real: Sequence[Frame],
        *,
        should_stop: ShouldStop | None = None,
    ) -> NextStates:
        """Teacher-forced next-frame predictions along the real trace ``real``."""
        try:
            fmt = self._format(source, function)
        except SourceError as exc:
            return NextStates(error=str(exc))
        return next_states(
            self.engine, fmt, args, real, should_stop=should_stop, calibration=self.calibration
        )

    def fill_hole(
        self,
        source: str,
        start: int,
        end: int,
        *,
        n: int = 3,
        should_stop: ShouldStop | None = None,
    ) -> list[HoleFill]:
        return fill_hole(self.engine, source, start, end, n=n, should_stop=should_stop)

    def close(self) -> None:
        self.engine.close()
