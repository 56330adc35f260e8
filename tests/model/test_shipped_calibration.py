"""The calibration shipped for the embedded default model applies to that model only."""

from __future__ import annotations

from pathlib import Path

from cwm_lsp.model.calibration import SHIPPED, find_calibration
from cwm_lsp.model.world import LlamaWorldModel


def test_the_shipped_calibration_was_fitted_on_our_corpus_not_on_cruxeval() -> None:
    files = sorted(SHIPPED.glob("*.json"))
    assert files, "no calibration ships with the package"
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert "cruxeval" not in text.lower()
        assert "corpus build" in text


def test_another_model_loads_without_it_and_keeps_raw_probabilities(
    tiny_gguf: Path, tiny_model: LlamaWorldModel
) -> None:
    assert find_calibration(str(tiny_gguf)) is None
    assert tiny_model.calibration is None
    trace = tiny_model.imagine("def f(x):\n    return x\n", "f", "1", max_frames=3).trace
    assert trace.frames and not any(frame.raw_confidence for frame in trace.frames)
