"""DAP framing: Content-Length counts UTF-8 bytes; partial reads and garbage are survivable."""

from __future__ import annotations

import asyncio

import pytest

from cwm_lsp.dap.framing import FramingError, encode_message, read_message


def _reader(*chunks: bytes) -> asyncio.StreamReader:
    reader = asyncio.StreamReader()
    for chunk in chunks:
        reader.feed_data(chunk)
    reader.feed_eof()
    return reader


async def test_content_length_counts_bytes_not_characters() -> None:
    message = {"type": "event", "event": "output", "body": {"output": "λ → ✓ 🐍"}}
    data = encode_message(message)
    header, body = data.split(b"\r\n\r\n", 1)
    assert int(header.split(b":")[1]) == len(body) > len(body.decode("utf-8"))
    assert await read_message(_reader(data)) == message


async def test_a_message_split_across_many_reads_is_reassembled() -> None:
    data = encode_message({"seq": 1, "type": "request", "command": "threads"}) * 2
    reader = asyncio.StreamReader()

    async def trickle() -> None:
        for byte in data:
            reader.feed_data(bytes([byte]))
            await asyncio.sleep(0)
        reader.feed_eof()

    feeder = asyncio.create_task(trickle())
    first = await read_message(reader)
    second = await read_message(reader)
    await feeder
    assert first == second == {"seq": 1, "type": "request", "command": "threads"}
    assert await read_message(reader) is None


async def test_a_header_block_without_content_length_is_skipped_and_reading_goes_on() -> None:
    good = encode_message({"seq": 2, "type": "request", "command": "threads"})
    reader = _reader(b"hello there\r\n\r\n", good)
    with pytest.raises(FramingError, match="without Content-Length"):
        await read_message(reader)
    assert (await read_message(reader)) == {"seq": 2, "type": "request", "command": "threads"}


async def test_a_body_that_is_not_json_is_skipped_and_reading_goes_on() -> None:
    good = encode_message({"seq": 3, "type": "request", "command": "threads"})
    reader = _reader(b"Content-Length: 5\r\n\r\n{nope", good)
    with pytest.raises(FramingError, match="not UTF-8 JSON"):
        await read_message(reader)
    assert (await read_message(reader))["seq"] == 3


async def test_unknown_header_lines_and_content_type_are_tolerated() -> None:
    body = b'{"seq":4,"type":"request","command":"threads"}'
    data = (
        b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\nContent-Length: %d\r\n\r\n"
        % len(body)
    )
    assert (await read_message(_reader(data + body)))["seq"] == 4


async def test_end_of_stream_between_messages_is_a_clean_end() -> None:
    assert await read_message(_reader(b"")) is None


async def test_end_of_stream_inside_a_body_is_reported() -> None:
    with pytest.raises(asyncio.IncompleteReadError):
        await read_message(_reader(b"Content-Length: 50\r\n\r\n{}"))
