"""Fuzzing the real language server process over JSON-RPC (hypothesis, seeded and bounded).

Each hypothesis example is an *episode*: a handful of actions drawn against
the documents' current text, then the checks:

* every request with a string or number id got exactly one response, a
  result or an error with a JSON-RPC / LSP code (an internal error -32603
  counts as a violation: a handler fell over instead of refusing);
* the process is up and a valid request still answers;
* the text the server holds for each open document (pygls's copy and the one
  the features analysed, read with the fuzz server's ``cwmFuzz.documentText``)
  equals :mod:`~fuzz.reference`'s, after every ``didChange`` sequence.

Actions: feature requests with positions and ranges out of bounds or inside
UTF-16 surrogate pairs; known methods with params of any JSON shape;
unknown methods; ``cwm.*`` commands with garbage arguments; malformed
messages (not JSON, not UTF-8, not an object, wrong or missing
``jsonrpc``, ids and methods of the wrong type, odd headers); huge payloads;
``didChange`` sequences (incremental, several changes at once, whole
document); cancel storms; opening and closing documents.  ``cwm.runAndCompare``
(the one request that runs code) is sent now and then, and timed, so the
campaign can check that the real tracer ran only inside those requests.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from . import reference
from .budget import run_bounded
from .jsonrpc import (
    INTERNAL_ERROR,
    INVALID_PARAMS,
    INVALID_REQUEST,
    METHOD_NOT_FOUND,
    SERVER_NOT_INITIALIZED,
    Answer,
    RpcClient,
    frame,
)
from .servers import FuzzServer

#: error codes a refusal may carry (JSON-RPC 2.0 and LSP 3.17)
PROPER_CODES = {-32700, -32600, -32601, -32602, -32002, -32800, -32801, -32802, -32803}
ANSWER_TIMEOUT = 30.0

DOCUMENTS = {
    "file:///fuzz/arith.py": (
        "# cwm: add(1, 2)\n"
        "def add(a, b):\n"
        "    total = a + b  # ⚑ 😀 é\n"
        "    return total\n"
        "\n"
        "\n"
        "def loop(n):\n"
        "    acc = 0\n"
        "    for i in range(n):\n"
        "        acc += i  # 🐍🐍\n"
        "    return acc\n"
    ),
    "file:///fuzz/crlf.py": (
        "# cwm: greet('wörld 🐍')\r\n"
        "def greet(name):\r\n"
        "    s = 'héllo ' + name\r\n"
        "    return s\r\n"
    ),
    "file:///fuzz/real.py": "# cwm: add(1, 2)\ndef add(a, b):\n    return a + b  # 😀\n",
    "file:///fuzz/methods.py": (
        "class Box:\n"
        "    def __init__(self, n):\n"
        "        self.items = [n] * 2\n"
        "\n"
        "    def grow(self, k):\n"
        "        self.items.append(k)\n"
        "        return len(self.items)\n"
        "\n"
        "\n"
        "def hole(x):\n"
        "    y = ?? * 2\n"
        "    return y"
    ),
}
#: the function of each document that ``cwm.runAndCompare`` may run for real
REAL_TARGETS = {"file:///fuzz/real.py": "add", "file:///fuzz/arith.py": "add"}
#: documents the fuzzer never edits (so a request for real execution can run them)
UNEDITED = {"file:///fuzz/real.py"}

FEATURE_METHODS = (
    "textDocument/hover",
    "textDocument/inlayHint",
    "textDocument/codeLens",
    "textDocument/codeAction",
    "inlayHint/resolve",
    "codeLens/resolve",
    "textDocument/completion",
    "textDocument/definition",
    "textDocument/documentSymbol",
)
COMMANDS = (
    "cwm.simulateAgain",
    "cwm.simulateWithInputs",
    "cwm.simulateAtCursor",
    "cwm.modelStatus",
    "cwm.stats",
    "cwm.dapEndpoint",
    "cwm.noSuchCommand",
)
TEXT_ALPHABET = st.sampled_from(
    [
        *list("abcxyz_0123 ()[]:=+-*/'\"#\t"),
        "\n",
        "\n",
        "\r\n",
        "\r",
        "😀",
        "é",
        "⚑",
        "\x0c",
        "\u2028",
        "??",
        "def ",
        "return ",
        "    ",
    ]
)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**64), max_value=2**64)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
#: an index, mapped onto whatever the current text offers
INDEX = st.integers(min_value=0, max_value=2**20)
OTHER_URIS = ["file:///fuzz/not-open.py", "untitled:Untitled-1", "", "file://%ff%fe", "x" * 300]
weird_ints = st.one_of(
    st.integers(min_value=0, max_value=14),
    st.sampled_from([-1, -(2**31), 2**31 - 1, 2**31, 2**32, 2**53, 10**30]),
)


@dataclass
class RealWindow:
    """A request that asks for real execution: when it was sent and answered."""

    kind: str
    start: float
    end: float = 0.0
    #: how many processes of ``kind`` it may start (a compare session's restart runs again)
    allowance: int = 1


@dataclass
class LspReport:
    examples: int = 0
    messages: int = 0
    requests: int = 0
    answered: int = 0
    text_checks: int = 0
    codes: Counter[str] = field(default_factory=Counter)
    violations: list[str] = field(default_factory=list)
    real_windows: list[RealWindow] = field(default_factory=list)
    seconds: float = 0.0
    process_alive: bool = True


@dataclass
class Episode:
    """What one example sent and what it is owed."""

    owed: list[tuple[Any, str, set[int] | None]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class LspFuzzer:
    """Runs episodes against one server; keeps the reference texts of its open documents."""

    def __init__(self, server: FuzzServer, report: LspReport) -> None:
        self.server = server
        self.client: RpcClient = server.client
        self.report = report
        self.texts: dict[str, str] = {}
        self.versions: dict[str, int] = {}
        self._extra = 0

    # -- set-up ---------------------------------------------------------------------

    def open_documents(self) -> None:
        for uri, text in DOCUMENTS.items():
            self.open(uri, text)

    def open(self, uri: str, text: str) -> None:
        self.versions[uri] = self.versions.get(uri, 0) + 1
        self.texts[uri] = text
        self.client.notify(
            "textDocument/didOpen",
            {
                "textDocument": {
                    "uri": uri,
                    "languageId": "python",
                    "version": self.versions[uri],
                    "text": text,
                }
            },
        )

    # -- drawing positions against the current text ------------------------------------

    # Draws have the same shape whatever the documents hold (hypothesis replays choice
    # sequences across examples): an index is drawn, then mapped onto the current text.

    @staticmethod
    def choose(data: st.DataObject, options: list[Any]) -> Any:
        return options[data.draw(INDEX) % len(options)]

    def position(self, data: st.DataObject, uri: str) -> dict[str, int]:
        text = self.texts.get(uri, "")
        lines = reference.lines(text)
        choice = data.draw(st.sampled_from(["in", "in", "surrogate", "weird"]))
        a, b = data.draw(INDEX), data.draw(INDEX)
        weird = {"line": data.draw(weird_ints), "character": data.draw(weird_ints)}
        if choice == "surrogate":
            spots = [
                (n, k)
                for n, line in enumerate(lines)
                for k in range(reference.utf16_length(text[line.start : line.end]) + 1)
                if reference.inside_surrogate_pair(text, n, k)
            ]
            if spots:
                n, k = spots[a % len(spots)]
                return {"line": n, "character": k}
        if choice == "weird":
            return weird
        n = a % (len(lines) + 1)
        width = reference.utf16_length(text[lines[n].start : lines[n].end]) if n < len(lines) else 0
        return {"line": n, "character": b % (width + 3)}

    def uri(self, data: st.DataObject) -> str:
        return str(self.choose(data, sorted(self.texts) * 3 + OTHER_URIS))

    # -- sending ----------------------------------------------------------------------

    def request(
        self, episode: Episode, method: str, params: Any, allowed: set[int] | None = None
    ) -> Any:
        request_id = self.client.send_request(method, params)
        episode.owed.append((request_id, method, allowed))
        self.report.requests += 1
        return request_id

    def raw(
        self,
        episode: Episode,
        body: bytes,
        owed_id: Any = None,
        allowed: set[int] | None = None,
        *,
        headers: tuple[bytes, ...] = (),
        owed_null: bool = False,
    ) -> None:
        """Write ``body`` framed; a response to ``owed_id`` (or, ``owed_null``, to id null)
        is then owed."""
        if owed_id is not None or owed_null:
            self.client.expect(owed_id)
            episode.owed.append((owed_id, "raw", allowed))
            self.report.requests += 1
        self.client.write(frame(body, headers=headers))

    # -- actions ----------------------------------------------------------------------

    def feature_request(self, data: st.DataObject, episode: Episode) -> None:
        method = data.draw(st.sampled_from(FEATURE_METHODS))
        uri = self.uri(data)
        doc = {"uri": uri}
        if method in ("textDocument/hover", "textDocument/completion", "textDocument/definition"):
            params: Any = {"textDocument": doc, "position": self.position(data, uri)}
        elif method in ("textDocument/inlayHint", "textDocument/codeAction"):
            params = {
                "textDocument": doc,
                "range": {"start": self.position(data, uri), "end": self.position(data, uri)},
            }
            if method == "textDocument/codeAction":
                params["context"] = {"diagnostics": []}
        elif method == "inlayHint/resolve":
            params = {
                "position": self.position(data, uri),
                "label": data.draw(st.text(max_size=10)),
            }
        elif method == "codeLens/resolve":
            params = {"range": {"start": self.position(data, uri), "end": self.position(data, uri)}}
        else:
            params = {"textDocument": doc}
        # a position whose numbers are not uintegers is refused as invalid params
        self.request(episode, method, params)

    def garbage_params(self, data: st.DataObject, episode: Episode) -> None:
        method = data.draw(
            st.sampled_from((*FEATURE_METHODS, "workspace/executeCommand", "shutdown"))
        )
        if method == "shutdown":
            return  # shutdown ends the episode's server; the lifecycle phase covers it
        self.request(episode, method, data.draw(json_values))

    def garbage_notification(self, data: st.DataObject, episode: Episode) -> None:
        method = data.draw(
            st.sampled_from(
                [
                    "textDocument/didOpen",
                    "textDocument/didChange",
                    "textDocument/didClose",
                    "textDocument/didSave",
                    "workspace/didChangeConfiguration",
                    "$/setTrace",
                    "$/cancelRequest",
                    "$/unknown",
                ]
            )
        )
        params = data.draw(json_values)
        if method == "workspace/didChangeConfiguration" and isinstance(params, dict):
            params = {"settings": {"cwm": {"prediction": {"maxFrames": 12}, **params}}}
        self.client.notify(method, params)

    def unknown_method(self, data: st.DataObject, episode: Episode) -> None:
        name = data.draw(st.text(min_size=1, max_size=30).filter(lambda s: not s.startswith("$/")))
        if name in ("initialize", "shutdown", "exit", "initialized") or (
            "/" in name
            and name.split("/")[0]
            in (
                "textDocument",
                "workspace",
                "window",
                "inlayHint",
                "codeLens",
                "completionItem",
                "notebookDocument",
                "callHierarchy",
                "typeHierarchy",
                "workspaceSymbol",
                "documentLink",
                "client",
                "telemetry",
            )
        ):
            name = "cwmFuzz/unknown/" + name
        self.request(episode, name, data.draw(json_values), {METHOD_NOT_FOUND})
        self.client.notify("cwmFuzz/unknownNotification/" + name, data.draw(json_values))

    def command(self, data: st.DataObject, episode: Episode) -> None:
        name = data.draw(st.sampled_from(COMMANDS))
        uri = self.uri(data)
        kind = data.draw(st.sampled_from(["plausible", "garbage"]))
        if kind == "garbage":
            arguments: Any = data.draw(st.lists(json_values, max_size=4))
        elif name == "cwm.simulateAtCursor":
            arguments = [uri, self.position(data, uri)]
        elif name == "cwm.simulateWithInputs":
            arguments = [
                uri,
                data.draw(st.sampled_from(["add", "loop", "greet", "Box.grow", "nope"])),
                data.draw(st.text(max_size=30)),
            ]
        else:
            arguments = [
                uri,
                data.draw(st.sampled_from(["add", "loop", "greet", "Box.grow", "hole", "nope"])),
            ]
        self.request(episode, "workspace/executeCommand", {"command": name, "arguments": arguments})

    def run_and_compare(self, data: st.DataObject, episode: Episode) -> None:
        """The request that runs code for real: timed, so every tracer start can be placed."""
        uri, function = data.draw(st.sampled_from(sorted(REAL_TARGETS.items())))
        arguments: Any = data.draw(
            st.sampled_from(
                [[uri, function]] * 3 + [[uri], [uri, 7], ["file:///fuzz/not-open.py", function]]
            )
        )
        self.run_for_real(arguments, episode)

    def run_for_real(self, arguments: Any, episode: Episode) -> None:
        """``cwm.runAndCompare`` with ``arguments``, answered here and timed as a window."""
        window = RealWindow("tracer", time.time())
        request_id = self.request(
            episode,
            "workspace/executeCommand",
            {"command": "cwm.runAndCompare", "arguments": arguments},
        )
        answer = self.client.answer(request_id, ANSWER_TIMEOUT)
        window.end = time.time()
        self.report.real_windows.append(window)
        episode.owed.pop()  # answered here
        self.check_answer(answer, "cwm.runAndCompare", None)

    def malformed(self, data: st.DataObject, episode: Episode) -> None:
        kind = data.draw(
            st.sampled_from(
                [
                    "not-json",
                    "not-utf8",
                    "not-object",
                    "no-jsonrpc",
                    "wrong-version",
                    "bad-id",
                    "bad-method",
                    "params-wrong-type",
                    "extra-fields",
                    "odd-headers",
                    "empty-body",
                    "nested-envelope",
                ]
            )
        )
        rid = f"raw-{self.client.new_id()}"
        body: Any
        hover = {
            "textDocument": {"uri": "file:///fuzz/arith.py"},
            "position": {"line": 0, "character": 0},
        }
        if kind == "not-json":
            self.raw(
                episode,
                data.draw(st.binary(max_size=60)).replace(b"\n", b" ")
                + b'{"jsonrpc": "2.0", "id": 1,',
            )
        elif kind == "not-utf8":
            template = json.dumps({"jsonrpc": "2.0", "method": "$/x", "params": "PLACEHOLDER"})
            self.raw(
                episode,
                template.encode().replace(
                    b"PLACEHOLDER", data.draw(st.binary(min_size=1, max_size=20)) + b"\xff\xfe\xc3"
                ),
            )
        elif kind == "not-object":
            self.raw(
                episode,
                json.dumps(
                    data.draw(
                        st.lists(json_values, max_size=3) | st.integers() | st.text(max_size=5)
                    )
                ).encode(),
            )
        elif kind == "no-jsonrpc":
            self.raw(
                episode,
                json.dumps({"id": rid, "method": "textDocument/hover", "params": hover}).encode(),
                rid,
                {INVALID_REQUEST},
            )
        elif kind == "wrong-version":
            version = data.draw(st.sampled_from(["1.0", "2", 2.0, None, ""]))
            self.raw(
                episode,
                json.dumps(
                    {"jsonrpc": version, "id": rid, "method": "textDocument/hover", "params": hover}
                ).encode(),
                rid,
                {INVALID_REQUEST},
            )
        elif kind == "bad-id":
            bad_id = data.draw(st.sampled_from([{}, [], [1], 1.5, True, {"a": 1}]))
            self.raw(
                episode,
                json.dumps(
                    {
                        "jsonrpc": "2.0",
                        "id": bad_id,
                        "method": "textDocument/hover",
                        "params": hover,
                    }
                ).encode(),
                None,
                {INVALID_REQUEST},
                owed_null=True,  # an id that is no string or number is answered as null
            )
        elif kind == "bad-method":
            method: Any = data.draw(st.sampled_from([5, None, [], {}, True]))
            self.raw(
                episode,
                json.dumps({"jsonrpc": "2.0", "id": rid, "method": method}).encode(),
                rid,
                {INVALID_REQUEST},
            )
        elif kind == "params-wrong-type":
            method = data.draw(st.sampled_from(FEATURE_METHODS))
            params: Any = data.draw(st.sampled_from(["x", 5, [1, 2], True, {"textDocument": 5}]))
            self.raw(
                episode,
                json.dumps(
                    {"jsonrpc": "2.0", "id": rid, "method": method, "params": params}
                ).encode(),
                rid,
            )
        elif kind == "extra-fields":
            body = {
                "jsonrpc": "2.0",
                "id": rid,
                "method": "textDocument/hover",
                "params": {**hover, "extra": [1, 2]},
                "unexpected": {"x": None},
            }
            self.raw(episode, json.dumps(body).encode(), rid)
        elif kind == "odd-headers":
            body = json.dumps(
                {"jsonrpc": "2.0", "id": rid, "method": "textDocument/hover", "params": hover}
            ).encode()
            header = data.draw(
                st.sampled_from(
                    [
                        b"Content-Type: application/vscode-jsonrpc; charset=utf-8",
                        b"X-Whatever: 1",
                        b"Content-Type: text/garbage",
                    ]
                )
            )
            self.raw(episode, body, rid, headers=(header,))
        elif kind == "empty-body":
            self.raw(episode, b"")
        else:
            inner = {"jsonrpc": "2.0", "id": 99, "method": "textDocument/hover", "params": hover}
            body = {
                "jsonrpc": "2.0",
                "id": rid,
                "method": "textDocument/hover",
                "params": {"textDocument": inner, "position": inner},
            }
            self.raw(episode, json.dumps(body).encode(), rid, {INVALID_PARAMS})

    def huge(self, data: st.DataObject, episode: Episode) -> None:
        size = data.draw(st.sampled_from([200_000, 1_000_000, 3_000_000]))
        kind = data.draw(st.sampled_from(["uri", "open", "command", "notification"]))
        if kind == "uri":
            self.request(
                episode,
                "textDocument/hover",
                {
                    "textDocument": {"uri": "file:///" + "a" * size},
                    "position": {"line": 0, "character": 0},
                },
            )
        elif kind == "open":
            self._extra += 1
            uri = f"file:///fuzz/huge-{self._extra}.py"
            body = "def f(n):\n    return n\n" + "# 😀 padding line\n" * (size // 18)
            self.open(uri, body)
            self.request(
                episode,
                "textDocument/inlayHint",
                {
                    "textDocument": {"uri": uri},
                    "range": {
                        "start": {"line": 0, "character": 0},
                        "end": {"line": 100, "character": 0},
                    },
                },
            )
            self.close(uri)
        elif kind == "command":
            self.request(
                episode,
                "workspace/executeCommand",
                {
                    "command": "cwm.simulateWithInputs",
                    "arguments": ["file:///fuzz/arith.py", "add", "1, " * (size // 3)],
                },
            )
        else:
            self.client.notify("$/cwmFuzzHuge", {"blob": "x" * size})

    def edit(self, data: st.DataObject, episode: Episode) -> None:
        uri = self.choose(
            data, sorted(u for u in self.texts if "huge" not in u and u not in UNEDITED)
        )
        changes: list[dict[str, Any]] = []
        text = self.texts[uri]
        for _ in range(data.draw(st.integers(1, 4))):
            if data.draw(st.integers(0, 9)) == 0:
                text = "".join(data.draw(st.lists(TEXT_ALPHABET, max_size=40)))
                changes.append({"text": text})
                continue
            a = self.edit_position_in(data, text)
            b = self.edit_position_in(data, text)
            if (a[0], a[1]) > (b[0], b[1]) and reference.offset(text, *a) > reference.offset(
                text, *b
            ):
                a, b = b, a
            if reference.offset(text, *a) > reference.offset(text, *b):
                a, b = b, a
            new = "".join(data.draw(st.lists(TEXT_ALPHABET, max_size=8)))
            changes.append(
                {
                    "range": {
                        "start": {"line": a[0], "character": a[1]},
                        "end": {"line": b[0], "character": b[1]},
                    },
                    "text": new,
                }
            )
            text = reference.apply(text, a, b, new)
        self.versions[uri] += 1
        self.texts[uri] = text
        self.client.notify(
            "textDocument/didChange",
            {
                "textDocument": {"uri": uri, "version": self.versions[uri]},
                "contentChanges": changes,
            },
        )

    def edit_position_in(self, data: st.DataObject, text: str) -> tuple[int, int]:
        lines = reference.lines(text)
        line = data.draw(INDEX) % (len(lines) + 2)
        width = (
            reference.utf16_length(text[lines[line].start : lines[line].end])
            if line < len(lines)
            else 0
        )
        character = data.draw(INDEX) % (width + 4)
        if reference.inside_surrogate_pair(text, line, character):
            character += 1  # past the astral character, not inside it
        return line, character

    def cancel_storm(self, data: st.DataObject, episode: Episode) -> None:
        ids = []
        for _ in range(data.draw(st.integers(3, 25))):
            uri = data.draw(st.sampled_from(sorted(DOCUMENTS)))
            method = data.draw(
                st.sampled_from(
                    [
                        "textDocument/hover",
                        "textDocument/inlayHint",
                        "textDocument/codeLens",
                        "simulateAtCursor",
                    ]
                )
            )
            if method == "simulateAtCursor":
                rid = self.request(
                    episode,
                    "workspace/executeCommand",
                    {
                        "command": "cwm.simulateAtCursor",
                        "arguments": [uri, {"line": 1, "character": 0}],
                    },
                )
            elif method == "textDocument/hover":
                rid = self.request(
                    episode,
                    method,
                    {"textDocument": {"uri": uri}, "position": {"line": 1, "character": 2}},
                )
            elif method == "textDocument/inlayHint":
                rid = self.request(
                    episode,
                    method,
                    {
                        "textDocument": {"uri": uri},
                        "range": {
                            "start": {"line": 0, "character": 0},
                            "end": {"line": 50, "character": 0},
                        },
                    },
                )
            else:
                rid = self.request(episode, method, {"textDocument": {"uri": uri}})
            ids.append(rid)
        extra = data.draw(
            st.lists(st.integers(10**6, 10**7) | st.text(max_size=5) | st.none(), max_size=4)
        )
        for rid in data.draw(st.permutations(ids)) + extra:
            self.client.notify("$/cancelRequest", {"id": rid})

    def open_close(self, data: st.DataObject, episode: Episode) -> None:
        kind = data.draw(st.sampled_from(["new", "reopen", "close-unknown"]))
        if kind == "new":
            self._extra += 1
            uri = f"file:///fuzz/extra-{self._extra}.py"
            self.open(uri, "".join(data.draw(st.lists(TEXT_ALPHABET, max_size=60))))
            self.request(episode, "textDocument/codeLens", {"textDocument": {"uri": uri}})
            if data.draw(st.booleans()):
                self.close(uri)
        elif kind == "reopen":
            uri = data.draw(st.sampled_from(sorted(DOCUMENTS)))
            self.open(uri, self.texts[uri])
        else:
            self.client.notify(
                "textDocument/didClose", {"textDocument": {"uri": "file:///fuzz/never-opened.py"}}
            )

    def close(self, uri: str) -> None:
        self.client.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
        self.texts.pop(uri, None)

    ACTIONS = (
        ("feature", 5),
        ("garbage_params", 3),
        ("garbage_notification", 2),
        ("unknown", 1),
        ("command", 3),
        ("malformed", 3),
        ("edit", 5),
        ("cancel_storm", 1),
        ("open_close", 1),
        ("huge", 1),
        ("real", 1),
    )

    def episode(self, data: st.DataObject) -> None:
        episode = Episode()
        names = [name for name, weight in self.ACTIONS for _ in range(weight)]
        sent_before = self.client.sent_messages
        try:
            self.act(data, episode, names)
        finally:
            # also when hypothesis ends the example early (its choice buffer ran out):
            # whatever was sent is still owed its answers
            self.settle(episode)
            self.report.messages += self.client.sent_messages - sent_before
        self.report.examples += 1

    def act(self, data: st.DataObject, episode: Episode, names: list[str]) -> None:
        for _ in range(data.draw(st.integers(1, 10))):
            action = data.draw(st.sampled_from(names))
            {
                "feature": self.feature_request,
                "garbage_params": self.garbage_params,
                "garbage_notification": self.garbage_notification,
                "unknown": self.unknown_method,
                "command": self.command,
                "malformed": self.malformed,
                "edit": self.edit,
                "cancel_storm": self.cancel_storm,
                "open_close": self.open_close,
                "huge": self.huge,
                "real": self.run_and_compare,
            }[action](data, episode)

    # -- checks ---------------------------------------------------------------------

    def check_answer(self, answer: Answer, method: str, allowed: set[int] | None) -> None:
        self.report.answered += 1
        error = answer.error
        if error is None:
            self.report.codes["result"] += 1
            return
        code = error.get("code")
        self.report.codes[str(code)] += 1
        if code == INTERNAL_ERROR or (
            code not in PROPER_CODES
            and not (isinstance(code, int) and -32099 <= code <= -32000)
            and code != -32803
        ):
            raise AssertionError(f"{method}: not a proper error: {error}")
        if allowed is not None and code not in allowed:
            raise AssertionError(f"{method}: expected an error in {sorted(allowed)}, got {error}")

    def settle(self, episode: Episode) -> None:
        for request_id, method, allowed in episode.owed:
            try:
                answer = self.client.answer(request_id, ANSWER_TIMEOUT)
            except TimeoutError:
                alive = self.client.alive()
                raise AssertionError(
                    f"request {request_id!r} ({method}) got no response"
                    + ("" if alive else f"; the server died:\n{self.server.stderr_tail()}")
                ) from None
            self.check_answer(answer, method, allowed)
        if self.client.stray:
            raise AssertionError(f"responses to requests never sent: {self.client.stray[:3]}")
        if not self.client.alive():
            raise AssertionError(f"the server died:\n{self.server.stderr_tail()}")
        status = self.client.request(
            "workspace/executeCommand",
            {"command": "cwm.modelStatus", "arguments": []},
            timeout=ANSWER_TIMEOUT,
        )
        if status.error is not None or "state" not in (status.message.get("result") or {}):
            raise AssertionError(f"a valid request after the episode failed: {status.message}")
        for uri, expected in sorted(self.texts.items()):
            self.check_text(uri, expected)

    def check_text(self, uri: str, expected: str) -> None:
        deadline = time.monotonic() + ANSWER_TIMEOUT
        while True:
            answer = self.client.request(
                "workspace/executeCommand",
                {"command": "cwmFuzz.documentText", "arguments": [uri]},
                timeout=ANSWER_TIMEOUT,
            )
            held = answer.message.get("result")
            if held is None:
                raise AssertionError(f"{uri}: the server holds no text for an open document")
            if held["analysed"] is not None or time.monotonic() > deadline:
                break
            time.sleep(0.1)  # a big file is analysed on a thread
        self.report.text_checks += 1
        if held["text"] != expected:
            raise AssertionError(
                f"{uri}: the server's text differs from the reference:\nserver    {held['text']!r}\nreference {expected!r}"
            )
        if held["analysed"] != expected:
            raise AssertionError(
                f"{uri}: the analysed text differs from the reference:\nanalysed  {held['analysed']!r}\nreference {expected!r}"
            )
        if held["version"] != self.versions[uri]:
            raise AssertionError(
                f"{uri}: version {held['version']}, the client's is {self.versions[uri]}"
            )


def fuzz_lsp(
    server: FuzzServer, *, seed_value: int, examples: int, seconds: float, shrink: bool = False
) -> LspReport:
    """Run up to ``examples`` episodes (or ``seconds``) against an initialized server."""
    report = LspReport()
    fuzzer = LspFuzzer(server, report)
    fuzzer.open_documents()
    # one real run however few episodes the time allows, so the audit always has one to place
    first = Episode()
    fuzzer.run_for_real(list(sorted(REAL_TARGETS.items())[0]), first)
    fuzzer.settle(first)
    started = time.monotonic()
    failure = run_bounded(
        fuzzer.episode,
        seed_value=seed_value,
        examples=examples,
        seconds=seconds,
        chunk=10,
        shrink=shrink,
    )
    if failure is not None:
        report.violations.append(failure)
    report.seconds = time.monotonic() - started
    report.process_alive = server.client.alive()
    return report


def fuzz_lifecycle(
    start_server: Callable[[], FuzzServer], *, seed_value: int, examples: int, requests: int
) -> LspReport:
    """Requests before ``initialize`` and after ``shutdown``, each example on a fresh process."""
    report = LspReport()
    methods = [*list(FEATURE_METHODS), "workspace/executeCommand", "cwmFuzz/unknown"]
    calls = st.lists(
        st.tuples(st.sampled_from(methods), json_values), min_size=1, max_size=requests
    )

    def refused(client: RpcClient, method: str, params: Any, code: int, when: str) -> None:
        answer = client.request(method, params, timeout=ANSWER_TIMEOUT)
        report.requests += 1
        report.answered += 1
        got = (answer.error or {}).get("code")
        report.codes[str(got)] += 1
        if got != code:
            raise AssertionError(f"{method} {when}: {answer.message}")

    def episode(data: st.DataObject) -> None:
        before, after = data.draw(calls), data.draw(calls)  # all drawn before anything is sent
        server = start_server()
        client = server.client
        try:
            # before initialize: every request is refused, notifications are dropped
            client.notify(
                "textDocument/didOpen",
                {
                    "textDocument": {
                        "uri": "file:///fuzz/early.py",
                        "languageId": "python",
                        "version": 1,
                        "text": "x = 1\n",
                    }
                },
            )
            for method, params in before:
                refused(client, method, params, SERVER_NOT_INITIALIZED, "before initialize")
            server.initialize({"prediction": {"maxFrames": 12}})
            early = client.request(
                "workspace/executeCommand",
                {"command": "cwmFuzz.documentText", "arguments": ["file:///fuzz/early.py"]},
            ).message
            if early.get("result") is not None:
                raise AssertionError(f"a didOpen before initialize was not dropped: {early}")
            if client.request("shutdown", timeout=ANSWER_TIMEOUT).error is not None:
                raise AssertionError("shutdown failed")
            for method, params in [*after, ("shutdown", None)]:
                refused(client, method, params, INVALID_REQUEST, "after shutdown")
            client.notify("exit")
            code = client.process.wait(15)
            if code != 0:
                raise AssertionError(f"exit after shutdown ended the process with {code}")
        finally:
            report.messages += client.sent_messages
            report.examples += 1
            if client.process.poll() is None:
                client.process.kill()
                client.process.wait(10)

    started = time.monotonic()
    failure = run_bounded(
        episode, seed_value=seed_value, examples=examples, seconds=120, chunk=examples
    )
    if failure is not None:
        report.violations.append(failure)
    report.seconds = time.monotonic() - started
    return report
