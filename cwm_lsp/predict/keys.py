"""Cache keys: what a prediction depends on, and nothing else.

A key holds the text the model sees (the function, with the same-file
functions it calls), the inputs, the model's identity and the sampling
settings — not the document version or the function's position, so an
unchanged function is never predicted twice, even after edits elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PredictionKey:
    #: the source given to the model
    source: str
    #: the entry function's name in ``source``
    function: str
    #: the inputs (a call's argument text), None = the model invents them
    args: str | None
    #: the model's identity (path and loading options that change its output)
    model: str
    temperature: float
    max_frames: int
    #: resample counter: "simulate again" bumps it to get a new sample
    sample: int = 0


@dataclass(frozen=True)
class FillKey:
    #: the source given to the model, holding the hole at ``start:end``
    source: str
    start: int
    end: int
    model: str
    n: int = 3
