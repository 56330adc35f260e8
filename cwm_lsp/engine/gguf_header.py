"""Reading a GGUF file's header and metadata without llama.cpp (standard library only).

Used to refuse a missing, truncated or non-GGUF file with a clear message
before llama.cpp sees it, and to tell the prompt format (native CWM or
generic) from the vocabulary without loading the weights.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

GGUF_MAGIC = b"GGUF"
#: The token whose presence in the vocabulary marks a native CWM model.
CWM_MARKER_TOKEN = "<|trace_context_start|>"

# GGUF metadata value types.
_UINT8, _INT8, _UINT16, _INT16, _UINT32, _INT32, _FLOAT32, _BOOL = range(8)
_STRING, _ARRAY, _UINT64, _INT64, _FLOAT64 = range(8, 13)
_SCALAR_FORMATS = {
    _UINT8: "<B",
    _INT8: "<b",
    _UINT16: "<H",
    _INT16: "<h",
    _UINT32: "<I",
    _INT32: "<i",
    _FLOAT32: "<f",
    _BOOL: "<?",
    _UINT64: "<Q",
    _INT64: "<q",
    _FLOAT64: "<d",
}


class GGUFHeaderError(ValueError):
    """The file is not a readable GGUF file; the message says why."""


@dataclass
class GGUFHeader:
    """What the metadata says about a GGUF model."""

    path: Path
    version: int
    tensor_count: int
    size_bytes: int
    metadata: dict[str, object] = field(default_factory=dict)
    tokens: list[str] = field(default_factory=list)

    @property
    def architecture(self) -> str:
        return str(self.metadata.get("general.architecture", ""))

    @property
    def name(self) -> str:
        return str(self.metadata.get("general.name", "")) or self.path.stem

    @property
    def is_native_cwm(self) -> bool:
        return CWM_MARKER_TOKEN in self.tokens


class _Reader:
    def __init__(self, handle: BinaryIO, size: int) -> None:
        self.handle = handle
        self.size = size

    def read(self, n: int) -> bytes:
        data = self.handle.read(n)
        if len(data) != n:
            raise GGUFHeaderError("file is truncated (metadata ends early)")
        return data

    def scalar(self, kind: int) -> object:
        fmt = _SCALAR_FORMATS[kind]
        return struct.unpack(fmt, self.read(struct.calcsize(fmt)))[0]

    def u32(self) -> int:
        return int(struct.unpack("<I", self.read(4))[0])

    def u64(self) -> int:
        return int(struct.unpack("<Q", self.read(8))[0])

    def string(self) -> str:
        n = self.u64()
        if n > self.size:
            raise GGUFHeaderError("corrupt metadata (string longer than the file)")
        return self.read(n).decode("utf-8", errors="replace")

    def value(self, kind: int, keep: bool) -> object:
        if kind == _STRING:
            return self.string()
        if kind == _ARRAY:
            item_kind = self.u32()
            count = self.u64()
            if count > self.size:
                raise GGUFHeaderError("corrupt metadata (array longer than the file)")
            if not keep and item_kind in _SCALAR_FORMATS:
                self.handle.seek(struct.calcsize(_SCALAR_FORMATS[item_kind]) * count, 1)
                return None
            items = [self.value(item_kind, keep) for _ in range(count)]
            return items if keep else None
        if kind in _SCALAR_FORMATS:
            return self.scalar(kind)
        raise GGUFHeaderError(f"corrupt metadata (unknown value type {kind})")


#: ggml tensor type -> (elements per block, bytes per block), for the size check.
_TYPE_SIZES: dict[int, tuple[int, int]] = {
    0: (1, 4),  # F32
    1: (1, 2),  # F16
    2: (32, 18),  # Q4_0
    3: (32, 20),  # Q4_1
    6: (32, 22),  # Q5_0
    7: (32, 24),  # Q5_1
    8: (32, 34),  # Q8_0
    9: (32, 36),  # Q8_1
    10: (256, 84),  # Q2_K
    11: (256, 110),  # Q3_K
    12: (256, 144),  # Q4_K
    13: (256, 176),  # Q5_K
    14: (256, 210),  # Q6_K
    15: (256, 292),  # Q8_K
    24: (1, 1),  # I8
    25: (1, 2),  # I16
    26: (1, 4),  # I32
    27: (1, 8),  # I64
    28: (1, 8),  # F64
    30: (1, 2),  # BF16
}

#: Array-valued keys worth keeping in memory (others are skipped).
_KEEP_ARRAYS = {"tokenizer.ggml.tokens"}


def read_header(path: str | Path) -> GGUFHeader:
    """Read a GGUF file's metadata; raises GGUFHeaderError or OSError."""
    path = Path(path)
    size = path.stat().st_size
    if size < 24:
        raise GGUFHeaderError(f"file is too small to be a GGUF model ({size} bytes)")
    with path.open("rb") as handle:
        reader = _Reader(handle, size)
        magic = reader.read(4)
        if magic != GGUF_MAGIC:
            raise GGUFHeaderError(f"not a GGUF file (magic {magic!r}, expected {GGUF_MAGIC!r})")
        version = reader.u32()
        if version not in (2, 3):
            raise GGUFHeaderError(f"unsupported GGUF version {version}")
        tensor_count = reader.u64()
        kv_count = reader.u64()
        metadata: dict[str, object] = {}
        tokens: list[str] = []
        for _ in range(kv_count):
            key = reader.string()
            kind = reader.u32()
            keep = kind != _ARRAY or key in _KEEP_ARRAYS
            value = reader.value(kind, keep)
            if key == "tokenizer.ggml.tokens" and isinstance(value, list):
                tokens = [str(t) for t in value]
            elif value is not None:
                metadata[key] = value
        _check_tensor_data(reader, tensor_count, metadata, size)
    return GGUFHeader(path, version, tensor_count, size, metadata, tokens)


def _check_tensor_data(
    reader: _Reader, tensor_count: int, metadata: dict[str, object], size: int
) -> None:
    """Raise when the tensor data the header describes runs past the end of the file."""
    end = 0
    for _ in range(tensor_count):
        reader.string()
        n_dims = reader.u32()
        n_elements = 1
        for _dim in range(n_dims):
            n_elements *= reader.u64()
        ggml_type = reader.u32()
        offset = reader.u64()
        block, nbytes = _TYPE_SIZES.get(ggml_type, (1, 0))
        end = max(end, offset + max(1, n_elements // block * nbytes))
    alignment = metadata.get("general.alignment", 32)
    align = alignment if isinstance(alignment, int) and alignment > 0 else 32
    data_start = -(-reader.handle.tell() // align) * align
    if tensor_count and data_start + end > size:
        raise GGUFHeaderError(
            f"file is truncated ({size} bytes; tensor data reaches past byte {data_start + end})"
        )
