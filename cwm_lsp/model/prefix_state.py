"""The generic prompt's fixed prefix, evaluated once per model and kept on disk.

Every generic-format prompt opens with the same instructions and worked
examples (:func:`cwm_lsp.formats.generic.prompt_prefix`): most of a small
function's prompt.  Its KV state is evaluated once per model identity (the
model file's and the adapter's fingerprints, the context size, the prefix
text) and saved under the user's cache directory
(``$XDG_CACHE_HOME/cwm-lsp/prefix/``; ``CWM_LSP_PREFIX_DIR`` moves it and
``CWM_LSP_PREFIX_STATE=off`` turns it off).  A restarted server, a new session
and the evaluation restore it (a fraction of a second) instead of evaluating
it again; the first prediction then evaluates only the file's listing and
its own frames.  A state file carries a hash of its bytes and of the tokens
it holds: one that is stale, cut short or corrupt is rebuilt, never trusted.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import struct
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from cwm_lsp.engine import Engine, SequenceState
from cwm_lsp.model.calibration import fingerprint

log = logging.getLogger(__name__)

_MAGIC = b"CWMPFX01"
_HEADER = struct.Struct("<8sI32s32sQ")  # magic, tokens, sha256(tokens), sha256(data), data size


def prefix_dir() -> Path:
    """``$CWM_LSP_PREFIX_DIR``, else ``$XDG_CACHE_HOME/cwm-lsp/prefix`` (``~/.cache/...``)."""
    explicit = os.environ.get("CWM_LSP_PREFIX_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cwm-lsp" / "prefix"


def prefix_state_enabled() -> bool:
    """False when ``CWM_LSP_PREFIX_STATE=off``: the prefix is evaluated by the first
    prediction, as before there was a saved state (for benchmarks)."""
    return os.environ.get("CWM_LSP_PREFIX_STATE", "on").lower() not in ("off", "0", "no")


@dataclass
class PrefixReport:
    """What warming the prefix did: ``restored`` from disk, ``built`` (evaluated and saved)."""

    action: str
    tokens: int
    seconds: float
    path: str = ""
    reason: str = ""


def state_key(model_path: str, adapter_path: str, n_ctx: int, prefix: str) -> str:
    """The file name of the state for this model, adapter, context and prefix text."""
    parts = [fingerprint(model_path), fingerprint(adapter_path) if adapter_path else "", str(n_ctx)]
    digest = hashlib.sha256(json.dumps([*parts, prefix]).encode("utf-8")).hexdigest()
    return f"{digest[:32]}.state"


def _tokens_digest(tokens: list[int]) -> bytes:
    return hashlib.sha256(struct.pack(f"<{len(tokens)}i", *tokens)).digest()


def write_state(path: Path, state: SequenceState) -> None:
    """Write ``state`` atomically (a temporary file renamed into place)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    header = _HEADER.pack(
        _MAGIC,
        len(state.tokens),
        _tokens_digest(state.tokens),
        hashlib.sha256(state.data).digest(),
        len(state.data),
    )
    body = struct.pack(f"<{len(state.tokens)}i", *state.tokens)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".prefix-", suffix=".partial")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(header + body + state.data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_state(path: Path, tokens: list[int]) -> SequenceState | None:
    """The state saved at ``path`` when it is whole and holds exactly ``tokens``; else None."""
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    if len(raw) < _HEADER.size:
        return None
    magic, count, tokens_sha, data_sha, size = _HEADER.unpack_from(raw)
    body_end = _HEADER.size + 4 * count
    if magic != _MAGIC or count != len(tokens) or len(raw) != body_end + size:
        return None
    saved = list(struct.unpack_from(f"<{count}i", raw, _HEADER.size))
    data = raw[body_end:]
    if saved != tokens or tokens_sha != _tokens_digest(saved):
        return None
    if hashlib.sha256(data).digest() != data_sha:
        return None
    return SequenceState(tokens=saved, data=data)


def warm_prefix(
    engine: Engine,
    prefix: str,
    *,
    model_path: str,
    adapter_path: str = "",
    directory: Path | None = None,
) -> PrefixReport:
    """Make the engine's cache hold the prefix: restored from disk, else evaluated and saved.

    Never raises for a bad or unwritable cache: the prefix is then evaluated
    in memory and the report says why it was not kept.
    """
    started = time.perf_counter()
    tokens = engine.tokenize(prefix)
    try:
        path = (directory or prefix_dir()) / state_key(
            model_path, adapter_path, engine.n_ctx, prefix
        )
    except OSError as exc:
        engine.sync(_PREFIX_OWNER, tokens)
        return PrefixReport("built", len(tokens), time.perf_counter() - started, "", str(exc))
    saved = read_state(path, tokens)
    if saved is not None:
        engine.clear()
        if engine.restore_sequence(saved):
            return PrefixReport("restored", len(tokens), time.perf_counter() - started, str(path))
        reason = "llama.cpp refused the saved state"
    else:
        reason = "no saved state" if not path.exists() else "the saved state was stale or corrupt"
    engine.clear()
    engine.sync(_PREFIX_OWNER, tokens)
    try:
        write_state(path, engine.save_sequence())
    except OSError as exc:
        reason = f"{reason}; not saved: {exc}"
    engine.forget(_PREFIX_OWNER)  # the cache keeps the prefix; no snapshot of it is needed
    log.info("prompt prefix: %s (%d tokens)", reason, len(tokens))
    return PrefixReport("built", len(tokens), time.perf_counter() - started, str(path), reason)


class _PrefixOwner:
    """The engine's owner while the prefix is evaluated (no session)."""


_PREFIX_OWNER = _PrefixOwner()
