"""Small programs the DAP tests debug (line numbers matter: keep them as they are)."""

from __future__ import annotations

from cwm_lsp.trace import Frame

TOTAL = """\
def helper(x):
    return x * 2


def total(n):
    acc = 0
    for i in range(n):
        acc += helper(i)
    return acc
"""


def total_trace(second_double: str = "2") -> list[Frame]:
    """The frames of total(2); ``second_double`` is what helper(1) returns (really "2")."""
    acc = second_double
    return [
        Frame("call", 5, "def total(n):", {"n": "2"}),
        Frame("line", 6, "acc = 0", {"n": "2"}, confidence={"n": 0.99}),
        Frame("line", 7, "for i in range(n):", {"n": "2", "acc": "0"}, confidence={"acc": 0.9}),
        Frame(
            "line", 8, "acc += helper(i)", {"n": "2", "acc": "0", "i": "0"}, confidence={"i": 0.8}
        ),
        Frame("call", 1, "def helper(x):", {"x": "0"}),
        Frame("line", 2, "return x * 2", {"x": "0"}),
        Frame("return", 2, "return x * 2", value="0", confidence={"<value>": 0.7}),
        Frame("line", 7, "for i in range(n):", {"n": "2", "acc": "0", "i": "0"}),
        Frame("line", 8, "acc += helper(i)", {"n": "2", "acc": "0", "i": "1"}),
        Frame("call", 1, "def helper(x):", {"x": "1"}),
        Frame("line", 2, "return x * 2", {"x": "1"}),
        Frame("return", 2, "return x * 2", value=second_double),
        Frame("line", 7, "for i in range(n):", {"n": "2", "acc": acc, "i": "1"}),
        Frame("line", 9, "return acc", {"n": "2", "acc": acc, "i": "1"}),
        Frame("return", 9, "return acc", value=acc),
    ]


RAISES = """\
def check(n):
    if n > 1:
        raise ValueError("too big")
    return n
"""

RAISES_TRACE = [
    Frame("call", 1, "def check(n):", {"n": "5"}),
    Frame("line", 2, "if n > 1:", {"n": "5"}),
    Frame("line", 3, 'raise ValueError("too big")', {"n": "5"}),
    Frame("exception", 3, 'raise ValueError("too big")', value="ValueError('too big')"),
]


SLEEPS = """\
import time
def slow(n):
    time.sleep(n)
    return n
"""

SLEEPS_TRACE = [
    Frame("call", 2, "def slow(n):", {"n": "60"}),
    Frame("line", 3, "time.sleep(n)", {"n": "60"}),
    Frame("line", 4, "return n", {"n": "60"}),
    Frame("return", 4, "return n", value="60"),
]

CRASHES = """\
import os
def crash(code):
    print("about to exit", flush=True)
    os._exit(code)
    return code
"""

CRASHES_TRACE = [
    Frame("call", 2, "def crash(code):", {"code": "3"}),
    Frame("line", 3, 'print("about to exit", flush=True)', {"code": "3"}),
    Frame("line", 4, "os._exit(code)", {"code": "3"}),
    Frame("line", 5, "return code", {"code": "3"}),
    Frame("return", 5, "return code", value="3"),
]

LOOPS = """\
def spin(n):
    while True:
        n += 1
"""

LOOPS_TRACE = [Frame("call", 1, "def spin(n):", {"n": "0"})] + [
    Frame("line", 2 + (k % 2), "while True:" if k % 2 == 0 else "n += 1", {"n": str(k // 2)})
    for k in range(40)
]

READS = """\
def ask(prompt):
    answer = input(prompt)
    return answer
"""


#: Arithmetic the 0.5B model gets wrong: mix(4) really computes x = 3, y = 23.
MIX = """\
def mix(n):
    x = n * 7 % 5
    y = x ** 3 - n
    return y
"""
