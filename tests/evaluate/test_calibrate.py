"""Fitting a calibration: logistic weights that make confidence match how often values are right."""

from __future__ import annotations

import random

from cwm_lsp.evaluate.calibrate import fit_weights
from cwm_lsp.evaluate.calibration import expected_calibration_error, raw_checks, reliability
from cwm_lsp.evaluate.metrics import ValueCheck
from cwm_lsp.model.calibration import FEATURES, Calibration, value_features


def overconfident_checks(n: int = 2000) -> list[ValueCheck]:
    """A model that says 0.9 for everything but is right a third of the time on strings."""
    rng = random.Random(0)
    checks = []
    for i in range(n):
        text = "'abc'" if i % 2 else "7"
        right = rng.random() < (0.33 if text.startswith("'") else 0.8)
        raw = 0.9
        checks.append(
            ValueCheck(
                0.9, right, raw, tuple(value_features(text, raw, step=i % 9, is_value=False))
            )
        )
    return checks


def test_fitting_brings_the_calibration_error_down() -> None:
    checks = overconfident_checks()
    before = expected_calibration_error(reliability(raw_checks(checks)))
    calibration = Calibration(weights=fit_weights(checks), model="m")
    is_str = FEATURES.index("type_str")
    fitted = [
        ValueCheck(
            calibration.probability(
                "'abc'" if c.features[is_str] else "7", 0.9, step=0, is_value=False
            ),
            c.correct,
        )
        for c in checks
    ]
    after = expected_calibration_error(reliability(fitted))
    assert before is not None and after is not None
    assert before > 0.25
    assert after < 0.08


def test_a_fit_needs_values() -> None:
    try:
        fit_weights([])
    except ValueError as error:
        assert "too few" in str(error)
    else:
        raise AssertionError("an empty fit must fail")
