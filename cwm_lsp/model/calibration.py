"""Calibrated confidence: the probability that a predicted value is right.

The model's own confidence in a value (the geometric mean probability of
the tokens that spell it, :mod:`cwm_lsp.engine.probabilities`) says little
about whether the value is right.  A :class:`Calibration` maps it, with a
few facts about the value (forced or generated, its type, its length, the
step it was made at, the event), through a logistic model fitted on traces
of our own corpus (never on CRUXEval rows: ``cwm-lsp model calibrate``), to
the probability that the value is right.

A calibration belongs to one model: it records the model file's fingerprint
(its size and a hash of its first and last MiB) and the adapter's, and is
used only for a model with the same ones.  It is found beside the model
(``<model>.calibration.json``) or among the files shipped in
``cwm_lsp/model/calibrations/``.  Frames keep the raw probability in
``Frame.raw_confidence``; ``Frame.confidence`` then holds the calibrated one.
"""

from __future__ import annotations

import ast
import hashlib
import json
import logging
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from cwm_lsp.trace import VALUE_KEY, Frame

log = logging.getLogger(__name__)

#: the files shipped with the package (fitted here for the embedded default model)
SHIPPED = Path(__file__).parent / "calibrations"
SUFFIX = ".calibration.json"
_TYPES = ("int", "float", "bool", "none", "str", "list", "tuple", "dict", "set", "other")
#: feature names, in the order :func:`value_features` gives them
FEATURES = (
    "bias",
    "logit_raw",
    "forced",
    *(f"type_{t}" for t in _TYPES),
    "log_length",
    "log_step",
    "is_value",
)
_FINGERPRINT_BYTES = 1 << 20


def fingerprint(path: str | os.PathLike[str]) -> str:
    """``size:sha256(first MiB + last MiB)`` of a file: cheap, and tells models apart."""
    digest = hashlib.sha256()
    size = os.path.getsize(path)
    with open(path, "rb") as handle:
        digest.update(handle.read(_FINGERPRINT_BYTES))
        if size > 2 * _FINGERPRINT_BYTES:
            handle.seek(size - _FINGERPRINT_BYTES)
        digest.update(handle.read(_FINGERPRINT_BYTES))
    return f"{size}:{digest.hexdigest()}"


def value_type(text: str) -> str:
    """The type a repr shows (``int``, ``str``, ``list`` ...; ``other`` when unknown)."""
    try:
        node = ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError):
        return "other"
    if isinstance(node, ast.UnaryOp) and isinstance(node.operand, ast.Constant):
        node = node.operand
    if isinstance(node, ast.Constant):
        value = node.value
        if value is None:
            return "none"
        for name, kind in (("bool", bool), ("int", int), ("float", float), ("str", str)):
            if isinstance(value, kind):
                return name
        return "other"
    kinds = {ast.List: "list", ast.Tuple: "tuple", ast.Dict: "dict", ast.Set: "set"}
    return kinds.get(type(node), "other")


def value_features(value: str, raw: float, *, step: int, is_value: bool) -> list[float]:
    """The calibration's inputs for one predicted value (see :data:`FEATURES`)."""
    p = min(max(raw, 1e-6), 1 - 1e-6)
    kind = value_type(value)
    return [
        1.0,
        math.log(p / (1 - p)),
        1.0 if raw >= 0.999999 else 0.0,
        *(1.0 if kind == t else 0.0 for t in _TYPES),
        math.log1p(len(value)),
        math.log1p(step),
        1.0 if is_value else 0.0,
    ]


@dataclass
class Calibration:
    """A logistic map from :func:`value_features` to the probability of being right."""

    weights: list[float]
    model: str
    adapter: str = ""
    #: where it was fitted (a corpus path and the number of values), for ``model info``
    fitted_on: dict[str, Any] = field(default_factory=dict)
    path: str = ""

    def probability(self, value: str, raw: float, *, step: int, is_value: bool) -> float:
        return self.of_features(value_features(value, raw, step=step, is_value=is_value))

    def of_features(self, features: Sequence[float]) -> float:
        """The probability of being right for features already computed."""
        z = sum(w * v for w, v in zip(self.weights, features, strict=True))
        z = min(max(z, -40.0), 40.0)
        return 1.0 / (1.0 + math.exp(-z))

    def apply(self, frame: Frame, step: int) -> Frame:
        """``frame`` with calibrated confidence; the raw probabilities kept beside it."""
        if not frame.confidence:
            return frame
        calibrated: dict[str, float] = {}
        for name, raw in frame.confidence.items():
            text = frame.value if name == VALUE_KEY else frame.locals.get(name)
            if text is None:
                continue
            calibrated[name] = self.probability(text, raw, step=step, is_value=name == VALUE_KEY)
        return replace(frame, confidence=calibrated, raw_confidence=dict(frame.confidence))

    def to_json(self) -> dict[str, Any]:
        return {
            "features": list(FEATURES),
            "weights": self.weights,
            "model": self.model,
            "adapter": self.adapter,
            "fitted_on": self.fitted_on,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], path: str = "") -> Calibration:
        if list(data.get("features", [])) != list(FEATURES):
            raise ValueError("the calibration was fitted on other features")
        weights = [float(w) for w in data["weights"]]
        if len(weights) != len(FEATURES):
            raise ValueError("the calibration has the wrong number of weights")
        return cls(
            weights=weights,
            model=str(data["model"]),
            adapter=str(data.get("adapter", "")),
            fitted_on=dict(data.get("fitted_on", {})),
            path=path,
        )

    def save(self, path: str | os.PathLike[str]) -> None:
        Path(path).write_text(json.dumps(self.to_json(), indent=2) + "\n", encoding="utf-8")


def find_calibration(
    model_path: str, adapter_path: str = "", extra: Sequence[Path] = ()
) -> Calibration | None:
    """The calibration fitted for this model (and adapter), if there is one; never raises."""
    try:
        model = fingerprint(model_path)
        adapter = fingerprint(adapter_path) if adapter_path else ""
    except OSError:
        return None
    candidates = [Path(model_path + SUFFIX), *extra]
    if SHIPPED.is_dir():
        candidates += sorted(SHIPPED.glob("*.json"))
    for candidate in candidates:
        try:
            data = json.loads(candidate.read_text(encoding="utf-8"))
            calibration = Calibration.from_json(data, str(candidate))
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if calibration.model == model and calibration.adapter == adapter:
            return calibration
    return None
