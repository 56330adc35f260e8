"""The engine room: everything that talks to an inference engine.

:class:`Engine` is the seam (tokenize, detokenize, evaluate a prefix, sample
the next token under a constraint with its probability, save and restore a
sequence); :class:`~cwm_lsp.engine.llama.LlamaEngine` fills it in-process with
llama.cpp.  A :class:`~cwm_lsp.engine.decoder.Decoder` is one session's
token history on an engine.  Only this room imports llama-cpp-python, and
only when a model is loaded.
"""

from cwm_lsp.engine.probabilities import TokenRecord, byte_span
from cwm_lsp.engine.protocol import (
    Accept,
    ContextFullError,
    Engine,
    ModelLoadError,
    NoValidToken,
    Pick,
    SequenceState,
    ShouldStop,
)

__all__ = [
    "Accept",
    "ContextFullError",
    "Engine",
    "ModelLoadError",
    "NoValidToken",
    "Pick",
    "SequenceState",
    "ShouldStop",
    "TokenRecord",
    "byte_span",
]
