"""The private DAP endpoint lets in only whoever the server told, once per telling.

Against the real server process (tests/fuzz/fuzz_server.py): the socket and
its folder are the user's alone, each ``cwm.dapEndpoint`` call gives a fresh
token that opens one connection, a wrong, spent, missing or endless token
line closes the connection without a word, and tokens are compared in
constant time (every outstanding one, with ``hmac.compare_digest``).
"""

from __future__ import annotations

import contextlib
import hmac
import json
import os
import socket
import stat
from typing import Any

import pytest

from cwm_lsp.lsp.dap_endpoint import OUTSTANDING_TOKENS, DapEndpoint

from .jsonrpc import frame
from .servers import FuzzServer


def endpoint(server: FuzzServer) -> dict[str, Any]:
    answer = server.client.request(
        "workspace/executeCommand", {"command": "cwm.dapEndpoint", "arguments": []}
    )
    result: dict[str, Any] = answer.message["result"]
    return result


def connect(address: dict[str, Any], first_line: bytes) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(15)
    sock.connect(address["path"])
    sock.sendall(first_line)
    return sock


def speaks_dap(sock: socket.socket) -> bool:
    """Whether ``initialize`` gets a DAP response (False: the connection was closed)."""
    body = json.dumps(
        {"seq": 1, "type": "request", "command": "initialize", "arguments": {}}
    ).encode()
    try:
        sock.sendall(frame(body))
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                return False
            data += chunk
    except (BrokenPipeError, ConnectionResetError):
        return False
    return b"Content-Length" in data


def closed_without_a_word(sock: socket.socket) -> bool:
    try:
        return sock.recv(4096) == b""
    except ConnectionResetError:
        return True


def test_the_socket_and_its_folder_are_the_owners_alone(fuzz_server: FuzzServer) -> None:
    address = endpoint(fuzz_server)
    assert address["transport"] == "unix"
    folder = os.path.dirname(address["path"])
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(address["path"]).st_mode) == 0o600
    assert os.stat(address["path"]).st_uid == os.getuid() == os.stat(folder).st_uid


def test_each_call_gives_a_fresh_token_that_opens_exactly_one_connection(
    fuzz_server: FuzzServer,
) -> None:
    first, second = endpoint(fuzz_server), endpoint(fuzz_server)
    assert first["path"] == second["path"] and first["token"] != second["token"]
    assert len(first["token"]) >= 32
    with connect(first, first["token"].encode() + b"\r\n") as sock:
        assert speaks_dap(sock)
    with connect(first, first["token"].encode() + b"\r\n") as again:
        assert closed_without_a_word(again)  # spent
    with connect(second, second["token"].encode() + b"\r\n") as sock:
        assert speaks_dap(sock)  # the other token was still good


@pytest.mark.parametrize(
    "first_line",
    [b"wrong-token\r\n", b"\r\n", b"\xff\xfe\x00garbage\r\n", b"x" * 200_000, b"0" * 32 + b"\r\n"],
    ids=["wrong", "empty", "not-ascii", "endless", "wrong-length-right-shape"],
)
def test_a_wrong_token_closes_the_connection_and_leaves_the_good_one_unspent(
    fuzz_server: FuzzServer, first_line: bytes
) -> None:
    address = endpoint(fuzz_server)
    with connect(address, b"") as sock:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(first_line)
        assert closed_without_a_word(sock)
    with connect(address, address["token"].encode() + b"\r\n") as sock:
        assert speaks_dap(sock)
    assert fuzz_server.client.alive()


def test_tokens_are_compared_in_constant_time_every_outstanding_one_each_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    compared: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def recording(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return bool(real(a, b))

    monkeypatch.setattr(hmac, "compare_digest", recording)
    door = DapEndpoint.__new__(DapEndpoint)  # the token book alone: no worker, no socket
    door._tokens = []
    tokens = [door.issue_token() for _ in range(5)]
    assert door.spend_token(tokens[0].encode())  # the first matches...
    assert len(compared) == 5  # ...and still every token was compared
    compared.clear()
    assert not door.spend_token(b"nope")
    assert len(compared) == 4
    assert not door.spend_token(tokens[0].encode())  # spent


def test_only_the_most_recent_unused_tokens_are_honoured() -> None:
    door = DapEndpoint.__new__(DapEndpoint)
    door._tokens = []
    old = door.issue_token()
    fresh = [door.issue_token() for _ in range(OUTSTANDING_TOKENS)]
    assert not door.spend_token(old.encode())
    assert all(door.spend_token(t.encode()) for t in fresh)
