"""Benchmark the language server with the real model.

1. time from didOpen to the first inlay hint of one small function (model loaded);
2. model calls after editing one function of an already predicted file (must be 1);
3. textDocument/inlayHint latency p50/p99 on a 2,000-line file with 100 functions
   while the model is busy predicting them, beside a trivial request
   (textDocument/hover outside any function) as the baseline.

Usage: .venv/bin/python scripts/bench_lsp.py [--requests 300] [--out bench.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from lsprotocol import types
from pygls.lsp.client import LanguageClient

REPO = Path(__file__).resolve().parents[1]
T = TypeVar("T")

SMALL = """\
def add_one(n):
    result = n + 1
    return result


def twice(s):
    out = s * 2
    return out


def clamp(v):
    low = max(v, 0)
    return min(low, 10)


add_one(4)
twice("ab")
clamp(12)
"""


def big_file(functions: int = 100, lines: int = 2000) -> str:
    per = lines // functions
    body_lines = per - 3  # def, return, blank
    chunks = []
    for i in range(functions):
        body = [f"def work_{i}(n):"]
        body += [f"    v{j} = n + {i + j}" for j in range(body_lines)]
        body += [f"    return v{body_lines - 1}", ""]
        chunks.append("\n".join(body))
    text = "\n".join(chunks) + "\n"
    return text


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def doc(uri: str) -> types.TextDocumentIdentifier:
    return types.TextDocumentIdentifier(uri=uri)


class Bench:
    def __init__(self, client: LanguageClient) -> None:
        self.client = client

    def open(self, uri: str, text: str) -> None:
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=uri, language_id="python", version=1, text=text
                )
            )
        )

    async def hints(self, uri: str, first: int = 0, last: int = 100_000) -> list[types.InlayHint]:
        rng = types.Range(
            start=types.Position(line=first, character=0),
            end=types.Position(line=last, character=0),
        )
        return (
            await self.client.text_document_inlay_hint_async(
                types.InlayHintParams(text_document=doc(uri), range=rng)
            )
            or []
        )

    async def command(self, name: str, *args: Any) -> Any:
        result = await self.client.workspace_execute_command_async(
            types.ExecuteCommandParams(command=name, arguments=list(args))
        )
        return _plain(result)

    async def poll(
        self, fetch: Callable[[], Awaitable[T]], accept: Callable[[T], bool], timeout: float
    ) -> T:
        deadline = time.monotonic() + timeout
        while True:
            value = await fetch()
            if accept(value):
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"gave up after {timeout} s; last: {value!r}")
            await asyncio.sleep(0.05)

    async def idle(self, timeout: float) -> dict[str, Any]:
        stats: dict[str, Any] = await self.poll(
            lambda: self.command("cwm.stats"),
            lambda s: s["inFlight"] == 0 and s["status"]["state"] == "ready",
            timeout,
        )
        return stats


def _plain(value: Any) -> Any:
    if hasattr(value, "_asdict"):
        return {k: _plain(v) for k, v in value._asdict().items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


async def timed(call: Callable[[], Awaitable[Any]]) -> float:
    started = time.perf_counter()
    await call()
    return (time.perf_counter() - started) * 1000


async def run(args: argparse.Namespace) -> dict[str, Any]:
    client = LanguageClient("cwm-bench", "1")
    await client.start_io(sys.executable, "-m", "cwm_lsp", "--stdio", "--log-level", "WARNING")
    caps = types.ClientCapabilities(
        workspace=types.WorkspaceClientCapabilities(
            inlay_hint=types.InlayHintWorkspaceClientCapabilities(refresh_support=False)
        ),
        text_document=types.TextDocumentClientCapabilities(
            inlay_hint=types.InlayHintClientCapabilities()
        ),
    )
    started = time.perf_counter()
    await client.initialize_async(
        types.InitializeParams(
            capabilities=caps,
            initialization_options={
                "prediction": {"temperature": 0.0, "maxFrames": args.max_frames}
            },
        )
    )
    initialize_ms = (time.perf_counter() - started) * 1000
    client.initialized(types.InitializedParams())
    bench = Bench(client)
    results: dict[str, Any] = {"initialize_ms": round(initialize_ms, 1)}

    status = await bench.poll(
        lambda: bench.command("cwm.modelStatus"), lambda s: s["state"] != "loading", 600
    )
    results["model_load_s"] = round(time.perf_counter() - started, 2)
    if status["state"] == "error":
        raise SystemExit(f"the model did not load: {status['message']}")

    # 1. didOpen -> first hint of one small function
    small = "file:///bench/small.py"
    opened = time.perf_counter()
    bench.open(small, SMALL)
    await bench.poll(lambda: bench.hints(small, 0, 3), lambda h: bool(h), args.timeout)
    results["first_hint_s"] = round(time.perf_counter() - opened, 2)

    # 2. model calls after editing one function
    before = await bench.idle(args.timeout)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=small, version=2),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(
                        start=types.Position(line=6, character=0),
                        end=types.Position(line=7, character=0),
                    ),
                    text="    out = s * 3\n",
                )
            ],
        )
    )
    await asyncio.sleep(0.2)
    after = await bench.idle(args.timeout)
    results["model_calls_after_one_edit"] = after["imagineCalls"] - before["imagineCalls"]
    results["functions_in_small_file"] = 3

    # 3. inlayHint latency with the model busy on a 2,000-line file of 100 functions
    big = "file:///bench/big.py"
    text = big_file()
    results["big_file"] = {"lines": text.count("\n"), "functions": text.count("\ndef ") + 1}
    bench.open(big, text)
    await asyncio.sleep(0.5)
    rnd = random.Random(0)
    window, hint_ms, full_ms, hover_ms, busy = 60, [], [], [], 0
    for i in range(args.requests):
        first = rnd.randrange(0, 2000 - window)
        hint_ms.append(await timed(lambda f=first: bench.hints(big, f, f + window)))
        if i % 5 == 0:
            full_ms.append(await timed(lambda: bench.hints(big)))
        # baseline: a hover on a line outside every function (the blank separator lines)
        hover_ms.append(
            await timed(
                lambda: client.text_document_hover_async(
                    types.HoverParams(
                        text_document=doc(big), position=types.Position(line=19, character=0)
                    )
                )
            )
        )
        if i % 20 == 0:
            stats = await bench.command("cwm.stats")
            busy += stats["status"]["state"] == "busy" or stats["inFlight"] > 0
    stats = await bench.command("cwm.stats")
    results["busy_samples"] = f"{busy}/{len(range(0, args.requests, 20))}"
    results["predictions_done_during_latency_run"] = stats["cached"]
    for name, values in (
        ("inlay_hint_visible_60_lines", hint_ms),
        ("inlay_hint_whole_file", full_ms),
        ("hover_baseline", hover_ms),
    ):
        results[name] = {
            "n": len(values),
            "p50_ms": round(statistics.median(values), 2),
            "p99_ms": round(percentile(values, 0.99), 2),
            "max_ms": round(max(values), 2),
        }
    try:
        await client.shutdown_async(None)
        client.exit(None)
        await client.stop()
    except Exception as exc:
        results["shutdown_error"] = repr(exc)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--max-frames", type=int, default=30)
    parser.add_argument(
        "--timeout", type=float, default=900.0, help="seconds to wait for predictions"
    )
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    results = asyncio.run(run(args))
    print(json.dumps(results, indent=2))
    if args.out:
        args.out.write_text(json.dumps(results, indent=2) + "\n")
    ok = (
        results["model_calls_after_one_edit"] == 1
        and results["inlay_hint_visible_60_lines"]["p99_ms"] < 20
    )
    print("targets met" if ok else "TARGETS MISSED", file=sys.stderr)


if __name__ == "__main__":
    main()
