"""Fixtures of the evaluation tests (the hand-made traces live in eval_traces.py)."""

from __future__ import annotations

import pytest
from eval_traces import real_frames

from cwm_lsp.trace import EndReason, Trace


@pytest.fixture
def real() -> Trace:
    return Trace(frames=real_frames(), function="f", args="[1, 2]", reason=EndReason.RETURNED)
