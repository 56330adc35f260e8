"""The CWM trace format's vocabulary: special tokens, their ids, and fixed markers.

See :mod:`cwm_lsp.trace.codec` for how they are put together into frame text.
"""

from __future__ import annotations

import re

from cwm_lsp.trace.types import Event

#: Appended to the entry point's ``def`` line in the context.
START_MARKER = "  # << START_OF_TRACE"

TOKEN_IDS: dict[str, int] = {
    "frame_sep": 128100,
    "action_sep": 128101,
    "return_sep": 128102,
    "call_sep": 128103,
    "line_sep": 128104,
    "exception_sep": 128105,
    "arg_sep": 128106,
    "trace_context_start": 128107,
}
TOKENS: dict[str, str] = {name: f"<|{name}|>" for name in TOKEN_IDS}
BEGIN_OF_TEXT = "<|begin_of_text|>"
END_OF_TEXT = "<|end_of_text|>"

FRAME_SEP = TOKENS["frame_sep"]
ACTION_SEP = TOKENS["action_sep"]
ARG_SEP = TOKENS["arg_sep"]
CONTEXT_START = TOKENS["trace_context_start"]

EVENT_TOKENS: dict[Event, str] = {
    "call": TOKENS["call_sep"],
    "line": TOKENS["line_sep"],
    "return": TOKENS["return_sep"],
    "exception": TOKENS["exception_sep"],
}
TOKEN_EVENTS: dict[str, Event] = {tok: ev for ev, tok in EVENT_TOKENS.items()}

#: A local's value in ``$LOCALS`` when it equals the diff base's.
UNCHANGED = ".."

#: A ``def`` line: group 1 the indentation, group 2 the function's name.
DEF_RE = re.compile(r"^(\s*)(?:async\s+)?def\s+([A-Za-z_][A-Za-z0-9_]*)\s*\(")
