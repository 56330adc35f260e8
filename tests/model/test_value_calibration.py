"""Calibrated confidence: a fitted map from what the model says to how often it is right."""

from __future__ import annotations

from pathlib import Path

import pytest

from cwm_lsp.model.calibration import (
    FEATURES,
    SUFFIX,
    Calibration,
    find_calibration,
    fingerprint,
    value_features,
    value_type,
)
from cwm_lsp.trace import VALUE_KEY, Frame


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("3", "int"),
        ("-2", "int"),
        ("2.5", "float"),
        ("True", "bool"),
        ("None", "none"),
        ("'ab'", "str"),
        ("[1, 2]", "list"),
        ("(1,)", "tuple"),
        ("{'a': 1}", "dict"),
        ("{1}", "set"),
        ("<Inventory>", "other"),
    ],
)
def test_a_values_type_is_read_off_its_repr(text: str, kind: str) -> None:
    assert value_type(text) == kind


def test_features_say_whether_the_value_was_forced() -> None:
    forced = value_features("3", 1.0, step=2, is_value=False)
    guessed = value_features("3", 0.4, step=2, is_value=False)
    assert len(forced) == len(FEATURES)
    assert forced[FEATURES.index("forced")] == 1.0
    assert guessed[FEATURES.index("forced")] == 0.0


def weights(**named: float) -> list[float]:
    return [named.get(name, 0.0) for name in FEATURES]


def test_apply_keeps_the_raw_probability_beside_the_calibrated_one() -> None:
    calibration = Calibration(weights=weights(bias=-1.0), model="m")
    frame = Frame("line", 2, "    y = x", {"x": "1", "y": "1"}, confidence={"y": 0.9})
    calibrated = calibration.apply(frame, step=1)
    assert calibrated.raw_confidence == {"y": 0.9}
    assert calibrated.confidence["y"] == pytest.approx(1 / (1 + 2.718281828**1.0), rel=1e-6)
    assert calibrated == frame  # confidence takes no part in equality


def test_a_return_value_is_calibrated_too() -> None:
    calibration = Calibration(weights=weights(bias=2.0), model="m")
    frame = Frame("return", 3, "    return y", value="1", confidence={VALUE_KEY: 0.2})
    assert calibration.apply(frame, step=4).confidence[VALUE_KEY] > 0.8


def test_a_calibration_is_found_only_for_the_model_it_was_fitted_on(tmp_path: Path) -> None:
    model = tmp_path / "model.gguf"
    model.write_bytes(b"GGUF" + bytes(range(256)) * 10)
    other = tmp_path / "other.gguf"
    other.write_bytes(b"GGUF" + bytes(range(255, -1, -1)) * 10)
    Calibration(weights=weights(bias=1.0), model=fingerprint(model)).save(str(model) + SUFFIX)
    found = find_calibration(str(model))
    assert found is not None and found.path == str(model) + SUFFIX
    assert find_calibration(str(other)) is None
    # fitted without an adapter: not used for the model with one
    assert find_calibration(str(model), adapter_path=str(other)) is None


def test_a_broken_calibration_file_is_ignored(tmp_path: Path) -> None:
    model = tmp_path / "model.gguf"
    model.write_bytes(b"GGUF")
    Path(str(model) + SUFFIX).write_text("{not json", encoding="utf-8")
    assert find_calibration(str(model)) is None
    Path(str(model) + SUFFIX).write_text('{"features": ["x"], "weights": [1]}', encoding="utf-8")
    assert find_calibration(str(model)) is None
