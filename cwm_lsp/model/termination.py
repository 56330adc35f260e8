"""Whether an imagined run may not terminate, and on what evidence.

Hitting the frame cap is not evidence: a small model runs away on loops that
end.  :class:`TerminationWatch` holds the two kinds that are
(:mod:`cwm_lsp.analysis.termination`): the ``while`` loops the source shows
never end once entered, and the cycle of an imagined run back at a line with
the same state in a function with no external inputs.  The session asks it
after every frame and stops the run at a cycle (reason
:attr:`~cwm_lsp.trace.EndReason.CYCLE`: the rest would repeat); the editor
features ask :func:`termination_evidence` what to warn about.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from cwm_lsp.analysis.cycles import Cycle, CycleFinder
from cwm_lsp.analysis.source_index import SourceIndex
from cwm_lsp.analysis.termination import Evidence, endless_loops
from cwm_lsp.trace import EndReason, Frame, Trace

log = logging.getLogger(__name__)

__all__ = ["Evidence", "TerminationWatch", "termination_evidence"]


class TerminationWatch:
    """The evidence about one function of one source (nothing, when it does not parse)."""

    def __init__(self, source: str, function: str) -> None:
        self.static: list[Evidence] = []
        self._finder: CycleFinder | None = None
        try:
            index = SourceIndex(source)
            entry = index.find(function)
        except (SyntaxError, ValueError, LookupError, RecursionError):
            return
        for info in index.called_functions(entry):
            node = index.node(info)
            if node is not None:
                self.static += endless_loops(node, info.qualname, index.tree)
        self._finder = CycleFinder(index, entry)

    def cycle(self, frames: Sequence[Frame]) -> Cycle | None:
        """Does the last frame bring the run back to a state it was in (module docstring)?"""
        return self._finder.find(frames) if self._finder is not None else None

    def evidence(self, trace: Trace) -> list[Evidence]:
        """What says ``trace``'s function may not terminate: the source's loops, and the
        trace's cycle when the run stopped at one."""
        found = list(self.static)
        if trace.reason is EndReason.CYCLE:
            cycle = self.cycle(trace.frames)
            if cycle is not None and all(e.line != cycle.line for e in found):
                found.append(cycle.evidence)
        return found


def termination_evidence(source: str, function: str, trace: Trace | None = None) -> list[Evidence]:
    """The evidence that ``function`` of ``source`` may not terminate (``trace``: its
    imagined run, for a cycle); [] when there is none."""
    watch = TerminationWatch(source, function)
    return watch.evidence(trace) if trace is not None else list(watch.static)
