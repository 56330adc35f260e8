"""One row through the real tracer and a replaying model, then the written report.

The model here is a test double that replays a fixed imagined trace: these
tests check the plumbing (voting, scoring, files); the real model runs in
test_eval_command.py.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest
from eval_traces import SOURCE, imagined_from, real_frames

from cwm_lsp.evaluate.dataset import EvalRow
from cwm_lsp.evaluate.direct import Completion
from cwm_lsp.evaluate.plots import write_plots
from cwm_lsp.evaluate.progress import RowProgress
from cwm_lsp.evaluate.report import ROWS_FILE, RowWriter, markdown, read_rows, write_summary
from cwm_lsp.evaluate.runner import EvalOptions, RowResult, run_rows
from cwm_lsp.evaluate.summary import summarize
from cwm_lsp.model.api import Imagined, NextStates
from cwm_lsp.trace import Frame, Trace

ROW = EvalRow(id="sum", code=SOURCE, input="[1, 2]", output="3")


class ReplayingModel:
    """Answers every imagine() with the next of the given traces."""

    def __init__(self, traces: list[Trace]) -> None:
        self.traces = traces
        self.calls: list[float] = []

    def imagine(self, source: str, function: str, args: str | None = None, **kw: float) -> Imagined:
        self.calls.append(kw["temperature"])
        trace = self.traces[len(self.calls) - 1]
        return Imagined(trace=trace, tokens_generated=10)

    def next_states(
        self, source: str, function: str, args: str, real: Sequence[Frame], **kw: object
    ) -> NextStates:
        """A model that always knows the next state: it answers with the real frame."""
        return NextStates(predicted=list(real[1:]))


def answer(text: str):  # type: ignore[no-untyped-def]
    def complete(prompt: str, **kw: object) -> Completion:
        return Completion(text=text, tokens=3)

    return complete


@pytest.fixture
def results() -> list[RowResult]:
    model = ReplayingModel([imagined_from(real_frames())])
    return run_rows(model, answer("4\n"), [ROW], EvalOptions())  # type: ignore[arg-type]


def test_a_row_gets_a_real_trace_scores_and_both_paths(results: list[RowResult]) -> None:
    (result,) = results

    assert result.real is not None and result.real.return_value == "3"
    assert result.scores is not None and result.scores.exact_match
    assert result.trace is not None and result.trace.correct
    assert result.direct is not None and not result.direct.correct
    assert result.direct.predicted == "4"


def test_self_consistency_votes_and_scores_the_winning_sample() -> None:
    wrong = real_frames()
    wrong[-1] = type(wrong[-1])(event="return", line=5, source="    return total", value="7")
    model = ReplayingModel(
        [imagined_from(wrong), imagined_from(real_frames()), imagined_from(real_frames())]
    )

    (result,) = run_rows(model, None, [ROW], EvalOptions(samples=3, direct=False))  # type: ignore[arg-type]

    assert model.calls == [0.0, 0.7, 0.7]
    assert result.trace is not None and result.trace.correct
    assert result.trace.votes == {"7": 1, "3": 2}
    assert result.scores is not None and result.scores.exact_match
    assert result.direct is None


def test_the_summary_puts_trace_path_beside_the_baseline(results: list[RowResult]) -> None:
    summary = summarize(results, {"model": "replay"})

    assert summary.metric("output_accuracy").trace == 1.0
    assert summary.metric("output_accuracy").direct == 0.0
    assert summary.metric("exact_match").direct is None
    text = markdown(summary)
    assert "| output accuracy (CRUXEval-O, by value) | 100.0% | 0.0% |" in text
    assert "trace path 1/1, direct baseline 0/1" in text


def test_rows_summary_and_plots_are_written(results: list[RowResult], tmp_path: Path) -> None:
    with RowWriter(tmp_path) as writer:
        for result in results:
            writer.write(result)
    summary = summarize(results)
    written = write_summary(summary, tmp_path) + write_plots(results, summary, tmp_path)

    row = json.loads((tmp_path / ROWS_FILE).read_text().splitlines()[0])
    assert row["id"] == "sum" and row["scores"]["exact_match"] is True
    assert row["real"]["return_value"] == "3"
    assert (
        json.loads((tmp_path / "summary.json").read_text())["metrics"]["output_accuracy"]["trace"]
        == 1.0
    )
    pngs = [p for p in written if p.suffix == ".png"]
    assert {p.name for p in pngs} == {
        "accuracy_by_length.png",
        "first_divergence.png",
        "calibration.png",
        "next_state_calibration.png",
        "risk_coverage.png",
    }
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in pngs)


def test_written_rows_read_back_to_the_same_summary(
    results: list[RowResult], tmp_path: Path
) -> None:
    with RowWriter(tmp_path) as writer:
        for result in results:
            writer.write(result)
    with (tmp_path / ROWS_FILE).open("a") as torn:
        torn.write('{"id": "cut off')

    again = summarize(read_rows(tmp_path / ROWS_FILE)).to_json()
    first = summarize(results).to_json()

    # seconds are written rounded to milliseconds
    assert again["metrics"].pop("seconds")["trace"] == pytest.approx(
        first["metrics"].pop("seconds")["trace"], abs=1e-3
    )
    assert again == first


def test_progress_shows_each_phase_with_its_right_answers(
    results: list[RowResult], tmp_path: Path
) -> None:
    log = tmp_path / "progress.log"
    with log.open("w") as stream, RowProgress(1, stream=stream) as bar:
        assert results[0].direct is not None
        bar.direct(results[0].row, results[0].direct)
        bar.update(results[0])

    lines = log.read_text().splitlines()
    assert lines[0].startswith("direct [########################] 1/1 right 0/1")
    assert lines[1].startswith("trace  [########################] 1/1 right 1/1")


def test_direct_answers_are_written_before_any_trace(tmp_path: Path) -> None:
    with RowWriter(tmp_path) as writer:
        run_rows(
            None,
            answer("3\n"),
            [ROW],
            EvalOptions(trace_path=False),
            on_direct=writer.write_direct,
        )

    (record,) = [json.loads(line) for line in (tmp_path / "direct.jsonl").read_text().splitlines()]
    assert record["id"] == "sum" and record["correct"] is True and record["predicted"] == "3"


def test_report_only_rebuilds_the_summary_from_rows_and_direct_answers(
    results: list[RowResult], tmp_path: Path
) -> None:
    from cwm_lsp.cli import main

    with RowWriter(tmp_path) as writer:
        writer.write(results[0])
        for answer_text in ("3\n", "4\n"):
            (direct,) = run_rows(None, answer(answer_text), [ROW], EvalOptions(trace_path=False))
            assert direct.direct is not None
            writer.write_direct(ROW, direct.direct)

    code = main(["eval", "data.jsonl", "--report-only", "--out", str(tmp_path), "--no-plots"])

    text = (tmp_path / "summary.md").read_text()
    assert code == 0
    assert "trace path 1/1, direct baseline 0/1" in text
    assert "direct baseline on every row of direct.jsonl: 1/2 (50.0%)" in text


def test_a_row_gets_next_state_scores_from_teacher_forcing(results: list[RowResult]) -> None:
    (result,) = results
    assert result.real is not None and result.next_state is not None
    assert result.next_state.steps == len(result.real.frames) - 1
    assert result.next_state.frames_correct == result.next_state.steps

    summary = summarize(results)
    assert summary.metric("next_frame").trace == 1.0
    assert summary.metric("next_value").trace == 1.0
    assert "loop header" in summary.next_state_kinds
    assert "Next-state accuracy by the kind of line" in markdown(summary)


def test_next_state_scores_survive_the_rows_file(results: list[RowResult], tmp_path) -> None:  # type: ignore[no-untyped-def]
    with RowWriter(tmp_path) as writer:
        writer.write(results[0])
    (again,) = read_rows(tmp_path / ROWS_FILE)
    assert again.next_state is not None and results[0].next_state is not None
    assert again.next_state.to_json() == results[0].next_state.to_json()
