"""Functions that never terminate, in CRUXEval's shape (``code`` defines ``f``, ``input``).

``seen_by`` says what can tell: ``"source"`` — the static rule
(:func:`cwm_lsp.analysis.termination.endless_loops`) sees it; ``"cycle"`` —
the source does not show it, but the run comes back to the same line with the
same state, so an imagined trace that follows it faithfully shows a cycle;
``"model"`` — the state never repeats (it grows for ever): only a model that
understands the loop could say. Used by tests/analysis/test_termination.py and
scripts/check_termination.py.
"""

from __future__ import annotations

from typing import Literal, TypedDict


class Endless(TypedDict):
    id: str
    code: str
    input: str
    seen_by: Literal["source", "cycle", "model"]


ENDLESS: list[Endless] = [
    {
        "id": "while-true-counter",
        "code": "def f(x):\n    while True:\n        x += 1\n    return x\n",
        "input": "0",
        "seen_by": "source",
    },
    {
        "id": "print-without-decrement",
        "code": "def f(n):\n    while n > 0:\n        print(n)\n    return n\n",
        "input": "3",
        "seen_by": "source",
    },
    {
        "id": "index-never-advances",
        "code": (
            "def f(xs):\n    i = 0\n    total = 0\n    while i < len(xs):\n"
            "        total += xs[i]\n    return total\n"
        ),
        "input": "[1, 2, 3]",
        "seen_by": "source",
    },
    {
        "id": "bisection-without-update",
        "code": (
            "def f(xs, target):\n    lo, hi = 0, len(xs)\n    while lo < hi:\n"
            "        mid = (lo + hi) // 2\n        found = xs[mid] == target\n    return lo\n"
        ),
        "input": "[1, 3, 5], 3",
        "seen_by": "source",
    },
    {
        "id": "inner-break-only",
        "code": (
            "def f(s):\n    count = 0\n    while True:\n        for c in s:\n"
            "            count += 1\n            break\n    return count\n"
        ),
        "input": "'ab'",
        "seen_by": "source",
    },
    {
        "id": "upper-of-unchanged",
        "code": (
            "def f(s):\n    t = ''\n    while s:\n        t = s.upper()\n"
            "        if t.startswith('A'):\n            t = t + '!'\n    return t\n"
        ),
        "input": "'abc'",
        "seen_by": "source",
    },
    {
        "id": "pass-forever",
        "code": "def f(a, b):\n    while a != b:\n        pass\n    return a\n",
        "input": "1, 2",
        "seen_by": "source",
    },
    {
        "id": "modulo-ring",
        "code": "def f(x):\n    while x != 5:\n        x = (x + 2) % 4\n    return x\n",
        "input": "0",
        "seen_by": "cycle",
    },
    {
        "id": "swap-forever",
        "code": "def f(a, b):\n    while a != b:\n        a, b = b, a\n    return a\n",
        "input": "1, 2",
        "seen_by": "cycle",
    },
    {
        "id": "pop-and-push-back",
        "code": (
            "def f(stack):\n    while stack:\n        top = stack.pop()\n"
            "        stack.append(top)\n    return stack\n"
        ),
        "input": "[1, 2]",
        "seen_by": "cycle",
    },
    {
        "id": "counter-reset",
        "code": ("def f(i):\n    while i < 10:\n        i = i + 1 if i < 5 else 0\n    return i\n"),
        "input": "0",
        "seen_by": "cycle",
    },
    {
        "id": "rotate-string",
        "code": "def f(s):\n    while s != '':\n        s = s[1:] + s[0]\n    return s\n",
        "input": "'abc'",
        "seen_by": "cycle",
    },
    {
        "id": "doubling-mod-seven",
        "code": "def f(n):\n    while n % 7 != 3:\n        n = (n * 2) % 7\n    return n\n",
        "input": "1",
        "seen_by": "cycle",
    },
    {
        "id": "sign-flip",
        "code": "def f(xs):\n    while xs[0] != 0:\n        xs[0] = -xs[0]\n    return xs\n",
        "input": "[1]",
        "seen_by": "cycle",
    },
    {
        "id": "step-by-two-past-one",
        "code": "def f(n):\n    while n != 1:\n        n = n - 2\n    return n\n",
        "input": "8",
        "seen_by": "model",
    },
    {
        "id": "doubling-never-zero",
        "code": "def f(x):\n    while x != 0:\n        x = x * 2\n    return x\n",
        "input": "1",
        "seen_by": "model",
    },
    {
        "id": "growing-list",
        "code": ("def f(xs):\n    while len(xs) != 3:\n        xs = xs + xs\n    return xs\n"),
        "input": "[0, 0]",
        "seen_by": "model",
    },
]
