"""Traces: the Frame/Trace vocabulary, the CWM trace codec, the real tracer, comparison.

Standard library only, so the codec and the tracer can be tested alone.
"""

from cwm_lsp.trace.types import (
    ELLIPSIS,
    EVENTS,
    VALUE_KEY,
    EndReason,
    Event,
    Frame,
    Trace,
    changed_locals,
    cut_repr,
    frame_depths,
    scope_base,
    state_at,
)

__all__ = [
    "ELLIPSIS",
    "EVENTS",
    "VALUE_KEY",
    "EndReason",
    "Event",
    "Frame",
    "Trace",
    "changed_locals",
    "cut_repr",
    "frame_depths",
    "scope_base",
    "state_at",
]
