"""How variables look in the editor: imagined values carry the model's confidence.

An imagined variable's ``value`` is its repr followed by ``  (p=0.83)``, the
probability the model gave that value (visible in every Variables view); its
``type`` says ``imagined p=0.83``.  Real variables show debugpy's value and
type unchanged.  A value typed into setVariable may keep or drop the suffix.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from cwm_lsp.trace import VALUE_KEY, Frame, frame_depths

_SUFFIX = re.compile(r"\s+\(p=[0-9.]+\)\s*$")


def strip_confidence(value: str) -> str:
    """A value typed by the user, without a copied ``(p=...)`` suffix."""
    return _SUFFIX.sub("", value).strip()


def confidences_at(
    frames: Sequence[Frame], index: int, state: Mapping[str, str]
) -> dict[str, float]:
    """Confidence of each value in ``state``: from the frame that last set it, in this scope."""
    depths = frame_depths(frames)
    depth = depths[index]
    found: dict[str, float] = {}
    j = index
    while j >= 0 and len(found) < len(state):
        if depths[j] < depth:
            break
        frame = frames[j]
        if depths[j] == depth and frame.event in ("call", "line"):
            for name, value in state.items():
                if name in found or name not in frame.confidence:
                    continue
                if frame.locals.get(name) == value:
                    found[name] = frame.confidence[name]
            if frame.event == "call":
                break
        j -= 1
    current = frames[index]
    if current.event in ("return", "exception") and VALUE_KEY in current.confidence:
        found[VALUE_KEY] = current.confidence[VALUE_KEY]
    return found


def imagined_variable(name: str, value: str, confidence: float | None) -> dict[str, Any]:
    if confidence is None:
        return {"name": name, "value": value, "type": "imagined", "variablesReference": 0}
    return {
        "name": name,
        "value": f"{value}  (p={confidence:.2f})",
        "type": f"imagined p={confidence:.2f}",
        "variablesReference": 0,
    }


def plain_variable(name: str, value: str, kind: str = "") -> dict[str, Any]:
    data: dict[str, Any] = {"name": name, "value": value, "variablesReference": 0}
    if kind:
        data["type"] = kind
    return data
