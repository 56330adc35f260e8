"""The model host's pipe: length-prefixed pickled messages over a pair of raw file descriptors.

Both ends are this package's own code (the server and the child it started),
so messages are plain pickles: a 4-byte big-endian length, then the pickle.
One writer at a time per descriptor (the caller holds a lock); one reader.
A closed pipe reads as :class:`PipeClosed`: the other end is gone.
"""

from __future__ import annotations

import os
import pickle
import struct
from typing import Any

#: a message larger than this is refused (a corrupt length, not a real message)
MAX_MESSAGE = 1 << 30
_HEADER = struct.Struct(">I")


class PipeClosed(EOFError):
    """The other end closed the pipe (or died)."""


def _read_exactly(fd: int, n: int) -> bytes:
    chunks: list[bytes] = []
    while n:
        try:
            chunk = os.read(fd, min(n, 1 << 20))
        except OSError as exc:
            raise PipeClosed(str(exc)) from None
        if not chunk:
            raise PipeClosed("end of stream")
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def read_message(fd: int) -> Any:
    """The next message from ``fd``; :class:`PipeClosed` at the end of the stream."""
    (length,) = _HEADER.unpack(_read_exactly(fd, _HEADER.size))
    if length > MAX_MESSAGE:
        raise PipeClosed(f"a message of {length} bytes: the stream is corrupt")
    return pickle.loads(_read_exactly(fd, length))


def write_message(fd: int, message: Any) -> None:
    """Write one message to ``fd`` (the caller serialises writers); PipeClosed when it is gone."""
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(_HEADER.pack(len(data)) + data)
    while view:
        try:
            written = os.write(fd, view)
        except (BrokenPipeError, OSError) as exc:
            raise PipeClosed(str(exc)) from None
        view = view[written:]
