"""Reliability buckets and expected calibration error."""

from __future__ import annotations

import pytest

from cwm_lsp.evaluate.calibration import expected_calibration_error, reliability
from cwm_lsp.evaluate.metrics import ValueCheck


def test_values_fall_into_equal_width_buckets_with_one_in_the_last() -> None:
    checks = [
        ValueCheck(0.0, False),
        ValueCheck(0.15, True),
        ValueCheck(0.95, True),
        ValueCheck(1.0, False),
    ]

    buckets = reliability(checks, buckets=10)

    assert [b.count for b in buckets] == [1, 1, 0, 0, 0, 0, 0, 0, 0, 2]
    assert buckets[9].accuracy == 0.5
    assert buckets[9].mean_confidence == pytest.approx(0.975)


def test_ece_weights_each_bucket_gap_by_its_share_of_values() -> None:
    checks = [
        ValueCheck(0.9, True),
        ValueCheck(0.9, False),
        ValueCheck(0.3, False),
        ValueCheck(0.3, False),
    ]

    ece = expected_calibration_error(reliability(checks, buckets=10))

    # bucket 0.9: accuracy 0.5, confidence 0.9; bucket 0.3: accuracy 0, confidence 0.3
    assert ece == pytest.approx(0.5 * 0.4 + 0.5 * 0.3)


def test_a_perfectly_calibrated_model_has_zero_ece() -> None:
    checks = [ValueCheck(1.0, True)] * 4 + [ValueCheck(0.5, True), ValueCheck(0.5, False)]

    assert expected_calibration_error(reliability(checks)) == pytest.approx(0.0)


def test_no_values_means_no_ece() -> None:
    assert expected_calibration_error(reliability([])) is None


def test_zero_buckets_is_refused() -> None:
    with pytest.raises(ValueError):
        reliability([], buckets=0)
