"""``cwm-lsp eval`` end to end: the real command, the real default model, two dev rows."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DATASET = REPO.parent / "shared" / "bench" / "cruxeval-dev.jsonl"


def cwm_lsp(*args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cwm_lsp", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.model
@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_eval_on_two_dev_rows_writes_rows_summary_and_plots(tmp_path: Path) -> None:
    pytest.importorskip("llama_cpp")
    out = tmp_path / "eval"

    done = cwm_lsp(
        "eval",
        str(DATASET),
        "--limit",
        "2",
        "--max-frames",
        "20",
        "--out",
        str(out),
        "--no-progress",
        timeout=1100,  # about 3 minutes on an idle 2-core machine; far more when it is shared
    )

    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in (out / "rows.jsonl").read_text().splitlines()]
    assert [row["id"] for row in rows] == ["sample_0", "sample_4"]
    for row in rows:
        assert row["real"]["reason"] == "returned"
        assert row["imagined"]["frames"] is not None
        assert row["scores"]["frames_real"] > 0
        assert row["trace"]["tokens"] > 0
        assert row["direct"]["tokens"] > 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["rows"] == 2
    assert set(summary["metrics"]["output_accuracy"]) >= {"trace", "direct"}
    assert "| metric | trace path | direct baseline |" in (out / "summary.md").read_text()
    for name in ("accuracy_by_length.png", "first_divergence.png", "calibration.png"):
        assert (out / name).read_bytes().startswith(b"\x89PNG")


def test_eval_of_a_missing_dataset_exits_2_with_one_line(tmp_path: Path) -> None:
    done = cwm_lsp("eval", str(tmp_path / "missing.jsonl"), timeout=60)

    assert done.returncode == 2
    assert done.stderr.strip().startswith("cwm-lsp eval: cannot read dataset")
    assert len(done.stderr.strip().splitlines()) == 1


def test_eval_refuses_zero_samples(tmp_path: Path) -> None:
    done = cwm_lsp("eval", str(DATASET), "--samples", "0", timeout=60)

    assert done.returncode == 2
    assert "--samples must be at least 1" in done.stderr
