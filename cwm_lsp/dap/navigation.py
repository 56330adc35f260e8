"""Where a step command lands in a recorded trace (used for the real side).

The imagined side moves with :class:`~cwm_lsp.model.api.TraceSession`; the
real side records debugpy's stops as Frames and moves through them with the
same meaning: ``step`` one frame, ``next`` the next frame of this function
or a caller, ``out`` the return of this function.
"""

from __future__ import annotations

from collections.abc import Sequence

from cwm_lsp.trace import Frame, frame_depths


def step_target(frames: Sequence[Frame], index: int) -> int:
    return index + 1


def next_target(frames: Sequence[Frame], index: int) -> int | None:
    """First later frame at this depth or shallower; None if not recorded yet."""
    depths = frame_depths(frames)
    depth = depths[index] - (1 if frames[index].event == "return" else 0)
    for j in range(index + 1, len(frames)):
        if depths[j] <= depth:
            return j
    return None


def out_target(frames: Sequence[Frame], index: int) -> int | None:
    """As TraceSession.out: this function's return, then one step into the caller.

    None if not recorded yet.  From the entry function (depth 0) the return
    frame itself.
    """
    depths = frame_depths(frames)
    depth = depths[index]
    if frames[index].event == "return":
        depth -= 1  # a return frame leaves us in the caller
    if depth < 0:
        return None
    for j in range(index + 1, len(frames)):
        if depths[j] < depth:
            return j
        if depths[j] == depth and frames[j].event == "return":
            if depth == 0:
                return j
            return j + 1 if j + 1 < len(frames) else None
    return None


def scope_indices(frames: Sequence[Frame], index: int) -> list[int]:
    """For each open call at ``frames[index]``, innermost first, the index of its latest frame."""
    depths = frame_depths(frames)
    found = [index]
    wanted = depths[index] - 1
    for j in range(index - 1, -1, -1):
        if wanted < 0:
            break
        if depths[j] == wanted and frames[j].event in ("call", "line"):
            found.append(j)
            wanted -= 1
    return found


def scope_name(frames: Sequence[Frame], index: int, entry: str) -> str:
    """The function a frame belongs to: from its scope's ``call`` frame (``def name(``)."""
    depths = frame_depths(frames)
    depth = depths[index]
    for j in range(index, -1, -1):
        if depths[j] == depth and frames[j].event == "call":
            words = frames[j].source.replace("(", " ").split()
            if len(words) >= 2 and words[0] == "def":
                return words[1]
            if len(words) >= 3 and words[:2] == ["async", "def"]:
                return words[2]
            return entry if depth == 0 else "<call>"
        if depths[j] < depth:
            break
    return entry
