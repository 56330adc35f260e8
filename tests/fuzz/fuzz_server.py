"""The real cwm language server, for the fuzz campaign: a noise model and an audit log.

Everything is the real server (pygls, the features, the worker, the cache,
the private DAP endpoint and the adapter behind it) except two additions:

* the model is a :class:`~fuzz.random_engine.RandomEngine` behind the real
  formats (``CWM_FUZZ_FORMAT`` generic | cwm over the vocabulary at
  ``CWM_FUZZ_VOCAB``), so predictions run the real decoding on noise;
* a Python audit hook appends every process this server starts
  (``subprocess.Popen``, ``os.posix_spawn``, ``os.exec``, ``os.system``,
  ``os.fork``) to ``CWM_FUZZ_AUDIT`` as JSON lines with the time, and one
  extra command, ``cwmFuzz.documentText [uri]``, tells the text the server
  holds for a document: pygls's copy and the one the features analysed.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

AUDITED = {"subprocess.Popen", "os.posix_spawn", "os.exec", "os.system", "os.fork", "os.spawn"}
_audit_lock = threading.Lock()


def _install_audit(path: str) -> None:
    def hook(event: str, args: tuple[Any, ...]) -> None:
        if event not in AUDITED:
            return
        argv: list[str] = []
        if event == "subprocess.Popen":
            argv = [str(a) for a in (args[1] if isinstance(args[1], (list, tuple)) else [args[1]])]
        elif event in ("os.posix_spawn", "os.exec", "os.spawn"):
            argv = [str(a) for a in (args[1] or [])] if len(args) > 1 else []
        elif event == "os.system":
            argv = [str(args[0])]
        record = {"event": event, "argv": [a[:300] for a in argv], "time": time.time()}
        with _audit_lock, open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps(record) + "\n")

    sys.addaudithook(hook)


def main() -> None:
    audit = os.environ.get("CWM_FUZZ_AUDIT")
    if audit:
        _install_audit(audit)

    from cwm_lsp.commands.serve import configure_logging, protocol_stdout
    from cwm_lsp.lsp.server import create_server
    from cwm_lsp.model.api import ModelConfig, Progress, WorldModel
    from fuzz.noise_models import noise_model

    fmt = os.environ.get("CWM_FUZZ_FORMAT", "generic")
    vocab = os.environ["CWM_FUZZ_VOCAB"]
    seed = int(os.environ.get("CWM_FUZZ_SEED", "0"))

    def load(config: ModelConfig, progress: Progress) -> WorldModel:
        progress(0.5, "opening the noise model's vocabulary")
        return noise_model(fmt, vocab, seed=seed)  # type: ignore[arg-type]

    configure_logging(os.environ.get("CWM_FUZZ_LOG", "WARNING"))
    server = create_server(loader=load)

    @server.command("cwmFuzz.documentText")
    def document_text(ls: Any, *args: Any) -> dict[str, Any] | None:
        uri = args[0] if args and isinstance(args[0], str) else ""
        held = ls.workspace.text_documents.get(uri)
        if held is None:
            return None
        analysed = ls.documents.get(uri)
        return {
            "text": held.source,
            "version": held.version,
            "analysed": analysed.text if analysed is not None else None,
        }

    server.start_io(sys.stdin.buffer, protocol_stdout())  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
