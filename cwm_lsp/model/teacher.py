"""Next-state predictions under teacher forcing: the model starts every step from the true state.

For each step of a real trace the model is given the real frames so far and
predicts the next frame; then the real frame replaces its guess and the next
step follows.  The token history grows along the real trace, so the engine
evaluates each real frame once and each step costs one frame's decode (the
KV cache is reused).  This is the next-state accuracy the neural-debugger
literature reports, and what decides whether a session could re-anchor on
the real state after a divergence.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from cwm_lsp.engine import ContextFullError, Engine, NoValidToken, ShouldStop
from cwm_lsp.engine.decoder import Decoder
from cwm_lsp.formats.base import Cancelled, FrameFormat
from cwm_lsp.model.api import NextStates
from cwm_lsp.model.calibration import Calibration
from cwm_lsp.trace import Frame

log = logging.getLogger(__name__)


def next_states(
    engine: Engine,
    fmt: FrameFormat,
    args: str,
    real: Sequence[Frame],
    *,
    should_stop: ShouldStop | None = None,
    calibration: Calibration | None = None,
) -> NextStates:
    """Teacher-forced next-frame predictions along ``real`` (its inputs are ``args``)."""
    started = time.perf_counter()
    out = NextStates()
    dec = Decoder(engine)
    try:
        fmt.prompt(dec)
        entry = fmt.entry(dec, args, should_stop)
        if entry.frame is None:
            out.error = entry.error or "the inputs do not bind"
            return out
        frames = [entry.frame]
        for k in range(1, len(real)):
            start = len(dec.tokens)
            try:
                generated = fmt.generate(dec, list(frames), None, should_stop)
                guess = generated.frame
                if guess is not None and calibration is not None:
                    guess = calibration.apply(guess, k)
                out.predicted.append(guess)
            except NoValidToken:
                out.predicted.append(None)
            dec.truncate(start)
            fmt.forget_after(start)
            frames.append(real[k])
            dec.push(fmt.frame_tokens(frames, k))
    except ContextFullError as exc:
        out.error = str(exc)
    except Cancelled:
        out.error = "cancelled"
    finally:
        out.tokens_evaluated = dec.tokens_evaluated
        out.seconds = time.perf_counter() - started
        dec.close()
    return out
