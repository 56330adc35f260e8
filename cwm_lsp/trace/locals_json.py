"""The ``$LOCALS`` and ``$VALUE`` JSON of CWM frames, and the ``".."`` diffs between frames.

``$LOCALS`` is a JSON object of JSON strings holding reprs; a value that is
unchanged since the frame's diff base (:func:`diff_base`) is written ``".."``.
``$VALUE`` is a JSON string.  Parsing raises :class:`FrameError`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from cwm_lsp.trace.cwm_tokens import UNCHANGED
from cwm_lsp.trace.types import Frame


class FrameError(ValueError):
    """A frame's text does not parse."""


def json_string(value: str) -> str:
    """``value`` as a JSON string, as CWM's reference (facebookresearch/cwm
    ``demos/cwmdbg.py``) writes it: ``json.dumps`` with its defaults, so non-ASCII
    characters are ``\\u`` escapes."""
    return json.dumps(value)


def encode_locals(state: Mapping[str, str], previous: Mapping[str, str] | None) -> str:
    """The ``$LOCALS`` JSON object, with ``".."`` for values equal to ``previous``."""
    out: dict[str, str] = {}
    for name, value in state.items():
        if previous is not None and previous.get(name) == value:
            out[name] = UNCHANGED
        else:
            out[name] = value
    return json.dumps(out)  # as the reference writes locals (ensure_ascii on)


def diff_base(frames: Sequence[Frame], index: int) -> Mapping[str, str] | None:
    """The state a frame's ``".."`` values refer to, or None after a change of scope.

    Mirrors how the values are resolved: walk back over frames without
    locals (exception frames) to the last frame of the same scope; a call or
    return frame on the way ends the walk (a call frame itself still counts).
    """
    if frames[index].event == "call":
        return None
    j = index - 1
    while j >= 0:
        earlier = frames[j]
        if earlier.event == "return":
            return None
        if earlier.event in ("call", "line"):
            return earlier.locals
        j -= 1
    return None


def parse_locals(text: str) -> dict[str, str]:
    """A ``$LOCALS`` object; raises FrameError when it is not an object of strings."""
    text = text.strip()
    if not text:
        return {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FrameError(f"locals are not JSON: {exc.msg}") from None
    if not isinstance(data, dict):
        raise FrameError("locals are not a JSON object")
    out: dict[str, str] = {}
    for name, value in data.items():
        if not isinstance(value, str):
            raise FrameError(f"local {name!r} is not a JSON string")
        out[name] = value
    return out


def parse_value(text: str) -> str:
    """A ``$VALUE`` JSON string; raises FrameError when it is not one."""
    text = text.strip()
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        raise FrameError("value is not a JSON string") from None
    if not isinstance(value, str):
        raise FrameError("value is not a JSON string")
    return value
