"""Placing a decoded frame's source text at a line number of the file.

A CWM frame carries its source line's text, not its number; :class:`LineMapper`
finds the number from where the execution is (the current line and function).
"""

from __future__ import annotations

from collections.abc import Sequence

from cwm_lsp.trace.cwm_tokens import DEF_RE, START_MARKER
from cwm_lsp.trace.types import Event, Frame, frame_depths


def _indent(line: str) -> int:
    expanded = line.expandtabs()
    return len(expanded) - len(expanded.lstrip())


def _normalize(line: str) -> str:
    return line.rstrip("\r\n").removesuffix(START_MARKER).rstrip()


class LineMapper:
    """Places a predicted source line at a line number by its position in the execution.

    Among the lines with that text, the one chosen is the next plausible
    successor of the current line in the current function (wrapping round
    for loops), so two identical ``return n`` lines stay distinct.
    """

    def __init__(self, source: str) -> None:
        self.lines = [_normalize(line) for line in source.splitlines()]
        self._by_text: dict[str, list[int]] = {}
        self._by_stripped: dict[str, list[int]] = {}
        for number, text in enumerate(self.lines, start=1):
            if text.strip():
                self._by_text.setdefault(text, []).append(number)
                self._by_stripped.setdefault(text.strip(), []).append(number)
        self._scopes = self._function_scopes()

    def _function_scopes(self) -> list[tuple[int, int, str]]:
        """(def line, last line, name) of every def, found by indentation."""
        scopes: list[tuple[int, int, str]] = []
        for number, text in enumerate(self.lines, start=1):
            match = DEF_RE.match(text)
            if not match:
                continue
            indent = _indent(text)
            end = number
            for later in range(number + 1, len(self.lines) + 1):
                body = self.lines[later - 1]
                if not body.strip() or body.lstrip().startswith("#"):
                    continue
                if _indent(body) <= indent:
                    break
                end = later
            scopes.append((number, end, match.group(2)))
        return scopes

    def scope_of(self, line: int) -> tuple[int, int, str] | None:
        """The innermost function containing ``line``."""
        best: tuple[int, int, str] | None = None
        for scope in self._scopes:
            if scope[0] <= line <= scope[1] and (best is None or scope[0] >= best[0]):
                best = scope
        return best

    def candidates(self, text: str) -> list[int]:
        key = _normalize(text)
        found = self._by_text.get(key)
        if found:
            return found
        return self._by_stripped.get(key.strip(), [])

    def place(self, event: Event, text: str, frames: Sequence[Frame]) -> int:
        """The line number for a frame with ``event`` and source ``text``, or 0."""
        found = self.candidates(text)
        if not found:
            return 0
        if len(found) == 1:
            return found[0]
        current = _current_line(frames)
        if event == "call" or current is None:
            return _first_after(found, current or 0)
        scope = self.scope_of(current)
        if scope is not None:
            inside = [n for n in found if scope[0] <= n <= scope[1]]
            found = inside or found
        if event in ("return", "exception") and current in found:
            return current
        if scope is not None:
            # The next line after the current one, wrapping to the top of the
            # function (a loop going round); the current line itself comes last.
            span = scope[1] - scope[0] + 1
            return min(found, key=lambda n: (n - current - 1) % span if span > 0 else n)
        return _first_after(found, current)


def _first_after(found: list[int], current: int) -> int:
    later = [n for n in found if n > current]
    return later[0] if later else found[0]


def _current_line(frames: Sequence[Frame]) -> int | None:
    """The last line executed in the scope the next frame belongs to."""
    if not frames:
        return None
    depths = frame_depths(frames)
    last = frames[-1]
    depth = depths[-1]
    if last.event == "return":
        # Back in the caller: its last line frame.
        depth -= 1
        for frame, d in zip(reversed(frames), reversed(depths), strict=True):
            if d == depth and frame.event in ("call", "line"):
                return frame.line or None
        return None
    return last.line or None
