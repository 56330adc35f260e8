"""How the adapter numbers what it shows: thread ids, frame ids and variablesReference values.

Thread 1 is the imagined execution, thread 2 the real one (compare mode).
A frame id packs (thread, level); a variablesReference packs (thread,
level, scope kind), so a request names its world and frame by number alone.
"""

from __future__ import annotations

#: Thread id of the imagined execution.
IMAGINED = 1
#: Thread id of the real (debugpy) execution, compare mode only.
REAL = 2
#: Scope kind: a frame's locals.
LOCALS = 1
#: Scope kind: where the imagined and the real frame differ.
MISMATCHES = 2


def frame_id(thread: int, level: int) -> int:
    return thread * 1000 + level


def decode_frame_id(frame: int) -> tuple[int, int]:
    """(thread, level) of a frame id."""
    thread, level = divmod(frame, 1000)
    return thread, level


def variables_ref(thread: int, level: int, kind: int) -> int:
    return (thread * 1000 + level) * 10 + kind


def decode_ref(ref: int) -> tuple[int, int, int]:
    """(thread, level, kind) of a variablesReference."""
    frame, kind = divmod(ref, 10)
    thread, level = divmod(frame, 1000)
    return thread, level, kind
