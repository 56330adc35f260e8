"""The real cwm language server with a scripted model, for plumbing tests.

Everything but the model is real (pygls, the worker, the cache, the features);
the model is ``tests/predict/scripted_model.py``, which answers after
``CWM_TEST_DELAY`` seconds per call.  Integration tests use the real model.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "predict"))

from scripted_model import ScriptedModel

from cwm_lsp.commands.serve import configure_logging, protocol_stdout
from cwm_lsp.lsp.server import create_server
from cwm_lsp.model.api import ModelConfig, ModelLoadError, Progress


def load(config: ModelConfig, progress: Progress) -> ScriptedModel:
    progress(0.5, "loading the scripted model")
    if config.path and not config.path.startswith("scripted"):
        raise ModelLoadError(config.path, "not a scripted model")
    return ScriptedModel(
        delay=float(os.environ.get("CWM_TEST_DELAY", "0")),
        frame_delay=float(os.environ.get("CWM_TEST_FRAME_DELAY", "0")),
    )


if __name__ == "__main__":
    configure_logging("INFO")
    create_server(loader=load).start_io(sys.stdin.buffer, protocol_stdout())  # type: ignore[arg-type]
