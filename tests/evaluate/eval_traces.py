"""Hand-made traces of a small function, for the metric and report tests.

1 def f(xs):
2     total = 0
3     for x in xs:
4         total += x
5     return total
"""

from __future__ import annotations

from cwm_lsp.trace import EndReason, Frame, Trace

SOURCE = "def f(xs):\n    total = 0\n    for x in xs:\n        total += x\n    return total\n"


def line(number: int, text: str, **state: str) -> Frame:
    return Frame(event="line", line=number, source=text, locals=state)


def real_frames() -> list[Frame]:
    """f([1, 2]) as the real tracer records it: 9 frames, 20 values."""
    return [
        Frame(event="call", line=1, source="def f(xs):", locals={"xs": "[1, 2]"}),
        line(2, "    total = 0", xs="[1, 2]"),
        line(3, "    for x in xs:", xs="[1, 2]", total="0"),
        line(4, "        total += x", xs="[1, 2]", total="0", x="1"),
        line(3, "    for x in xs:", xs="[1, 2]", total="1", x="1"),
        line(4, "        total += x", xs="[1, 2]", total="1", x="2"),
        line(3, "    for x in xs:", xs="[1, 2]", total="3", x="2"),
        line(5, "    return total", xs="[1, 2]", total="3", x="2"),
        Frame(event="return", line=5, source="    return total", value="3"),
    ]


def imagined_from(
    frames: list[Frame], reason: EndReason = EndReason.RETURNED, parse_errors: int = 0
) -> Trace:
    return Trace(
        frames=frames, function="f", args="[1, 2]", reason=reason, parse_errors=parse_errors
    )
