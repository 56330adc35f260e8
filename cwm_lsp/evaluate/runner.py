"""Runs rows through the real tracer, the imagined trace path and the direct baseline."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from cwm_lsp.evaluate.dataset import EvalRow
from cwm_lsp.evaluate.direct import Completer, answer_directly
from cwm_lsp.evaluate.metrics import TraceScores, score_trace, scores_from_json
from cwm_lsp.evaluate.next_state import NextStateScores, score_next_states
from cwm_lsp.evaluate.values import same_value
from cwm_lsp.evaluate.vote import majority
from cwm_lsp.model.api import Imagined, WorldModel
from cwm_lsp.trace import EndReason, Trace
from cwm_lsp.trace.tracer import TraceInputError, trace_call

log = logging.getLogger(__name__)

#: Frame cap of the real trace: far above any imagined cap, so real lengths are honest.
REAL_MAX_FRAMES = 5_000


@dataclass(frozen=True)
class EvalOptions:
    """What to run per row."""

    max_frames: int = 100
    #: self-consistency: samples per path (the first greedy, the rest at ``sample_temperature``)
    samples: int = 1
    sample_temperature: float = 0.7
    tracer_timeout: float = 10.0
    trace_path: bool = True
    #: next-state accuracy: the model predicts each real frame from the real ones before it
    next_state: bool = True
    direct: bool = True
    #: wrap the direct prompt in ChatML (instruction-tuned generic models)
    direct_chat: bool = True
    seed: int = 0


@dataclass
class PathResult:
    """One path's answer on a row (the vote's winner when there were several samples)."""

    predicted: str | None
    correct: bool
    predictions: list[str | None] = field(default_factory=list)
    votes: dict[str, int] = field(default_factory=dict)
    tokens: int = 0
    seconds: float = 0.0
    error: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "predicted": self.predicted,
            "correct": self.correct,
            "predictions": self.predictions,
            "votes": self.votes,
            "tokens": self.tokens,
            "seconds": round(self.seconds, 3),
            "error": self.error,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PathResult:
        return cls(
            predicted=data.get("predicted"),
            correct=bool(data["correct"]),
            predictions=list(data.get("predictions", [])),
            votes=dict(data.get("votes", {})),
            tokens=int(data.get("tokens", 0)),
            seconds=float(data.get("seconds", 0.0)),
            error=str(data.get("error", "")),
        )


@dataclass
class RowResult:
    row: EvalRow
    real: Trace | None = None
    real_error: str = ""
    imagined: Trace | None = None
    scores: TraceScores | None = None
    trace: PathResult | None = None
    direct: PathResult | None = None
    next_state: NextStateScores | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.row.id,
            "code": self.row.code,
            "input": self.row.input,
            "expected": self.row.output,
            "real_error": self.real_error,
            "real": None if self.real is None else self.real.to_json(),
            "imagined": None if self.imagined is None else self.imagined.to_json(),
            "scores": None if self.scores is None else self.scores.to_json(),
            "trace": None if self.trace is None else self.trace.to_json(),
            "direct": None if self.direct is None else self.direct.to_json(),
            "next_state": None if self.next_state is None else self.next_state.to_json(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RowResult:
        """A row as :meth:`to_json` wrote it (to report on a finished or interrupted run)."""
        row = EvalRow(
            id=str(data["id"]), code=data["code"], input=data["input"], output=data["expected"]
        )

        def trace(key: str) -> Trace | None:
            return None if data.get(key) is None else Trace.from_json(data[key])

        def path(key: str) -> PathResult | None:
            return None if data.get(key) is None else PathResult.from_json(data[key])

        return cls(
            row=row,
            real=trace("real"),
            real_error=str(data.get("real_error", "")),
            imagined=trace("imagined"),
            scores=None if data.get("scores") is None else scores_from_json(data["scores"]),
            trace=path("trace"),
            direct=path("direct"),
            next_state=None
            if data.get("next_state") is None
            else NextStateScores.from_json(data["next_state"]),
        )


def real_trace(row: EvalRow, timeout: float) -> tuple[Trace | None, str]:
    """The row's real execution, or None and why not."""
    try:
        trace = trace_call(
            source=row.code,
            function=row.function,
            args=f"{row.function}({row.input})",
            max_frames=REAL_MAX_FRAMES,
            timeout=timeout,
        )
    except TraceInputError as exc:
        return None, str(exc)
    return trace, ""


def _temperature(sample: int, options: EvalOptions) -> float:
    return 0.0 if sample == 0 else options.sample_temperature


def imagine_path(model: WorldModel, row: EvalRow, options: EvalOptions) -> tuple[PathResult, Trace]:
    """K imagined traces, majority vote on their return values; the winner's trace."""
    runs: list[Imagined] = []
    started = time.perf_counter()
    error = ""
    for sample in range(max(options.samples, 1)):
        try:
            runs.append(
                model.imagine(
                    row.code,
                    row.function,
                    row.input,
                    temperature=_temperature(sample, options),
                    max_frames=options.max_frames,
                )
            )
        except Exception as exc:  # one bad row must not end a long run
            log.exception("imagining %s failed", row.id)
            error = f"{type(exc).__name__}: {exc}"
            runs.append(
                Imagined(
                    trace=Trace(
                        function=row.function, args=row.input, reason=EndReason.ERROR, error=error
                    )
                )
            )
    predictions = [run.trace.return_value for run in runs]
    vote = majority(predictions)
    chosen = runs[max(vote.index, 0)].trace
    result = PathResult(
        predicted=vote.winner,
        correct=same_value(vote.winner, row.output),
        predictions=predictions,
        votes=vote.counts,
        tokens=sum(run.tokens_generated for run in runs),
        seconds=time.perf_counter() - started,
        error=error or chosen.error,
    )
    return result, chosen


def direct_path(complete: Completer, row: EvalRow, options: EvalOptions) -> PathResult:
    """K direct answers, majority vote."""
    started = time.perf_counter()
    predictions: list[str | None] = []
    tokens = 0
    error = ""
    for sample in range(max(options.samples, 1)):
        try:
            answer = answer_directly(
                complete,
                row.code,
                row.function,
                row.input,
                chat=options.direct_chat,
                temperature=_temperature(sample, options),
                seed=options.seed + sample,
            )
        except Exception as exc:  # one bad row must not end a long run
            log.exception("direct answer for %s failed", row.id)
            error = f"{type(exc).__name__}: {exc}"
            predictions.append(None)
            continue
        predictions.append(answer.predicted)
        tokens += answer.tokens
    vote = majority(predictions)
    return PathResult(
        predicted=vote.winner,
        correct=same_value(vote.winner, row.output),
        predictions=predictions,
        votes=vote.counts,
        tokens=tokens,
        seconds=time.perf_counter() - started,
        error=error,
    )


def evaluate_row(model: WorldModel | None, row: EvalRow, options: EvalOptions) -> RowResult:
    """The real trace, the imagined trace path and its scores (the direct path runs apart)."""
    result = RowResult(row=row)
    result.real, result.real_error = real_trace(row, options.tracer_timeout)
    if options.trace_path and model is not None:
        result.trace, result.imagined = imagine_path(model, row, options)
        if result.real is not None:
            result.scores = score_trace(result.imagined, result.real, row.output)
    if options.next_state and model is not None and result.real is not None:
        result.next_state = next_state_path(model, row, result.real)
    return result


def next_state_path(model: WorldModel, row: EvalRow, real: Trace) -> NextStateScores:
    """Teacher forcing along the real trace, scored step by step."""
    try:
        states = model.next_states(row.code, row.function, row.input, real.frames)
    except Exception as exc:  # one bad row must not end a long run
        log.exception("next-state predictions for %s failed", row.id)
        return NextStateScores(error=f"{type(exc).__name__}: {exc}")
    return score_next_states(row.code, real.frames, states.predicted, states.error)


def run_rows(
    model: WorldModel | None,
    complete: Completer | None,
    rows: Sequence[EvalRow],
    options: EvalOptions,
    on_row: Callable[[RowResult], None] | None = None,
    on_direct: Callable[[EvalRow, PathResult], None] | None = None,
) -> list[RowResult]:
    """Evaluate every row: first all direct answers, then all traces.

    Running each path over all rows in turn keeps that path's few-shot
    prompt prefix in the model's KV cache from one row to the next;
    alternating the paths per row would evaluate both prompts again on every
    row.  ``on_direct`` sees each direct answer, ``on_row`` each finished row.
    """
    directs: list[PathResult | None] = [None] * len(rows)
    if options.direct and complete is not None:
        for index, row in enumerate(rows):
            directs[index] = answer = direct_path(complete, row, options)
            if on_direct is not None:
                on_direct(row, answer)
    results: list[RowResult] = []
    for row, direct in zip(rows, directs, strict=True):
        result = evaluate_row(model, row, options)
        result.direct = direct
        results.append(result)
        if on_row is not None:
            on_row(result)
    return results
