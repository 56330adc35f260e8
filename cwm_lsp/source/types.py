"""What source analysis reports: functions, call sites, holes and chosen inputs.

Lines are 1-based (as in Python tracebacks and ``sys.settrace``) except in
:class:`Hole`, whose positions are LSP positions (0-based line, UTF-16 column).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

HoleKind = Literal["expression", "statement"]
InputOrigin = Literal["comment", "doctest", "call site", "call site in another file", "invented"]


@dataclass(frozen=True)
class FunctionInfo:
    """One ``def`` in a document (top-level function, method or nested def).

    ``qualname`` follows Python's ``__qualname__``: ``"f"``, ``"Class.method"``,
    ``"outer.<locals>.inner"``.  ``text`` is the function as it stands in the
    file, from the start of ``start_line`` (so the first line keeps its
    indentation and ``textwrap.dedent`` gives a runnable def) to the end of the
    body; line endings are kept as in the file (``"\\r\\n"`` stays).
    ``start_byte``/``end_byte`` are the UTF-8 byte offsets of the definition
    node itself (first decorator ``@`` .. end of body).  ``end_line`` and
    ``end_byte`` exclude comments that trail the body.
    """

    name: str
    qualname: str
    def_line: int
    start_line: int
    end_line: int
    params: tuple[str, ...]
    class_name: str | None
    text: str
    start_byte: int
    end_byte: int
    body_names: tuple[str, ...]


@dataclass(frozen=True)
class CallSite:
    """A call of a function somewhere in the file.

    ``text`` is the call expression as written (``"f(3, 'x')"``,
    ``"obj.method(3)"``, possibly spanning lines); ``callee`` is the called
    expression as written (``"f"``, ``"obj.method"``); ``line`` is 1-based.
    """

    line: int
    text: str
    callee: str


@dataclass(frozen=True)
class Hole:
    """A ``??`` hole.  ``start``/``end`` index the document's ``text``;
    ``line``/``character`` and ``end_line``/``end_character`` are LSP
    positions (0-based line, UTF-16 code units)."""

    start: int
    end: int
    line: int
    character: int
    end_line: int
    end_character: int
    kind: HoleKind


@dataclass(frozen=True)
class InputChoice:
    """The inputs a prediction uses and where they came from.

    ``args`` is a call expression as written in the file (``"f(3, 'x')"``,
    ``"Point(1, 2).norm()"``) or, from a ``# cwm:`` comment, whatever the user
    wrote there (a call or a literal tuple ``"3, 'x'"``); ``None`` when the
    model must invent inputs.  ``line`` is the 1-based line it came from.
    """

    args: str | None
    origin: InputOrigin
    line: int | None
