"""A quick GGUF reader for tests: every metadata value and tensor info, and one tensor's data.

``gguf.GGUFReader`` takes ~20 s on a 128k-token vocabulary (it builds numpy
views per string); this reads the same file in well under a second.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

_SCALARS = {
    0: "<B",
    1: "<b",
    2: "<H",
    3: "<h",
    4: "<I",
    5: "<i",
    6: "<f",
    7: "<?",
    10: "<Q",
    11: "<q",
    12: "<d",
}
_STRING, _ARRAY = 8, 9


@dataclass(frozen=True)
class TensorInfo:
    name: str
    #: ggml order (fastest-varying dimension first)
    shape: tuple[int, ...]
    ggml_type: int
    offset: int


@dataclass
class GGUFDump:
    path: Path
    fields: dict[str, Any] = field(default_factory=dict)
    tensors: dict[str, TensorInfo] = field(default_factory=dict)
    data_start: int = 0

    def f32_tensor(self, name: str) -> np.ndarray[Any, Any]:
        info = self.tensors[name]
        assert info.ggml_type == 0, f"{name} is not F32"
        count = int(np.prod(info.shape))
        return np.fromfile(
            self.path, dtype="<f4", count=count, offset=self.data_start + info.offset
        )


def _read(handle: BinaryIO, fmt: str) -> Any:
    return struct.unpack(fmt, handle.read(struct.calcsize(fmt)))[0]


def _string(handle: BinaryIO) -> str:
    return handle.read(_read(handle, "<Q")).decode("utf-8")


def _value(handle: BinaryIO, kind: int) -> Any:
    if kind == _STRING:
        return _string(handle)
    if kind == _ARRAY:
        item_kind, count = _read(handle, "<I"), _read(handle, "<Q")
        if item_kind in _SCALARS:
            dtype = np.dtype(_SCALARS[item_kind])
            return np.frombuffer(handle.read(dtype.itemsize * count), dtype=dtype).tolist()
        return [_value(handle, item_kind) for _ in range(count)]
    return _read(handle, _SCALARS[kind])


def read_gguf(path: Path) -> GGUFDump:
    dump = GGUFDump(path)
    with path.open("rb") as handle:
        assert handle.read(4) == b"GGUF"
        _read(handle, "<I")
        n_tensors, n_kv = _read(handle, "<Q"), _read(handle, "<Q")
        for _ in range(n_kv):
            key = _string(handle)
            dump.fields[key] = _value(handle, _read(handle, "<I"))
        for _ in range(n_tensors):
            name = _string(handle)
            dims = tuple(_read(handle, "<Q") for _ in range(_read(handle, "<I")))
            dump.tensors[name] = TensorInfo(name, dims, _read(handle, "<I"), _read(handle, "<Q"))
        align = int(dump.fields.get("general.alignment", 32))
        dump.data_start = -(-handle.tell() // align) * align
    return dump
