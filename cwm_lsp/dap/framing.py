"""DAP base protocol framing: ``Content-Length: N\\r\\n\\r\\n`` + N bytes of UTF-8 JSON.

``Content-Length`` counts bytes, not characters.  The reader tolerates
partial reads (it uses ``readexactly``) and garbage: a header block without a
usable ``Content-Length`` or a body that is not a JSON object raises
:class:`FramingError` after the bad bytes were consumed, so the caller can
report it and keep reading.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

#: Longest header line accepted; longer lines are garbage.
MAX_HEADER_LINE = 8192
#: Largest body accepted (64 MiB).
MAX_BODY = 64 * 1024 * 1024

Message = dict[str, Any]


class FramingError(Exception):
    """A malformed message was read and skipped; the stream is still usable."""


def encode_message(message: Message) -> bytes:
    """One framed DAP message.

    Text is sent as UTF-8; a string that cannot be (a lone surrogate, as in a
    real program's ``surrogateescape`` text, or a name a client sent escaped)
    makes the whole body ASCII with ``\\u`` escapes, which JSON allows.
    """
    try:
        body = json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except UnicodeEncodeError:
        body = json.dumps(message, separators=(",", ":")).encode("ascii")
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


async def _read_header_line(reader: asyncio.StreamReader) -> bytes | None:
    """One header line without its line ending; None at EOF before any byte."""
    try:
        line = await reader.readuntil(b"\n")
    except asyncio.IncompleteReadError as exc:
        if not exc.partial:
            return None
        raise FramingError(f"stream ended inside a header: {exc.partial[:80]!r}") from None
    except asyncio.LimitOverrunError as exc:
        # Drop the over-long line and resynchronise at its end.
        await reader.readexactly(exc.consumed)
        await reader.readuntil(b"\n")
        raise FramingError("header line too long") from None
    if len(line) > MAX_HEADER_LINE:
        raise FramingError(f"header line too long ({len(line)} bytes)")
    return line.rstrip(b"\r\n")


async def read_message(reader: asyncio.StreamReader) -> Message | None:
    """The next message, or None at a clean end of stream.

    Raises :class:`FramingError` for a malformed message (already consumed)
    and ``asyncio.IncompleteReadError`` when the stream ends inside a body.
    """
    length: int | None = None
    garbage: list[bytes] = []
    saw_any = False
    while True:
        line = await _read_header_line(reader)
        if line is None:
            if saw_any:
                raise FramingError("stream ended inside a header")
            return None
        if not line:
            if not saw_any:
                continue  # stray blank line between messages
            break
        saw_any = True
        name, sep, value = line.partition(b":")
        if sep and name.strip().lower() == b"content-length":
            try:
                length = int(value.strip())
            except ValueError:
                raise FramingError(f"bad Content-Length {value.strip()[:40]!r}") from None
        elif not sep or name.strip().lower() != b"content-type":
            garbage.append(line[:80])
    if length is None:
        raise FramingError(f"header without Content-Length: {b' | '.join(garbage)[:160]!r}")
    if length < 0 or length > MAX_BODY:
        raise FramingError(f"Content-Length {length} out of range")
    body = await reader.readexactly(length)
    try:
        message = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FramingError(f"body is not UTF-8 JSON: {exc}") from None
    if not isinstance(message, dict):
        raise FramingError("body is not a JSON object")
    return message
