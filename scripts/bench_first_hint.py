"""didOpen -> first inlay hint and -> full trace, with and without the saved prompt prefix.

For each sample (the smallest function, a doctest sample, a 40-iteration loop) and each
way the prompt's fixed prefix gets into the model's cache, a fresh server is started,
the model loads, the file opens, and the script times the first inlay hint and the end
of the trace (the code lens no longer says "imagining…").  The ways:

- ``no-state``: ``CWM_LSP_PREFIX_STATE=off``, the first prediction evaluates the prefix
  (as before the saved state existed);
- ``built``: an empty prefix directory: the server evaluates the prefix while the model
  loads and saves it;
- ``restored``: the state saved by ``built``, restored at load.

Usage: .venv/bin/python scripts/bench_first_hint.py [--out bench-first-hint.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_lsp import Bench

SAMPLES = {
    "smallest": "def add_one(n):\n    result = n + 1\n    return result\n\n\nadd_one(4)\n",
    "doctest": (
        "def count_letters(s, letter):\n"
        '    """How often ``letter`` occurs in ``s``.\n\n'
        '    >>> count_letters("strawberry", "r")\n'
        "    3\n"
        '    """\n'
        "    n = 0\n"
        "    for c in s:\n"
        "        n += int(c == letter)\n"
        "    return n\n"
    ),
    "loop40": (
        "def total(k):\n"
        "    acc = 0\n"
        "    for i in range(k):\n"
        "        acc += i\n"
        "    return acc\n\n\ntotal(40)\n"
    ),
}


async def one_run(name: str, text: str, env: dict[str, str], timeout: float) -> dict[str, Any]:
    client = LanguageClient("cwm-bench", "1")
    await client.start_io(
        sys.executable, "-m", "cwm_lsp", "--stdio", "--log-level", "WARNING", env=env
    )
    caps = types.ClientCapabilities(
        text_document=types.TextDocumentClientCapabilities(
            inlay_hint=types.InlayHintClientCapabilities()
        )
    )
    started = time.perf_counter()
    await client.initialize_async(
        types.InitializeParams(
            capabilities=caps, initialization_options={"prediction": {"maxFrames": 200}}
        )
    )
    client.initialized(types.InitializedParams())
    bench = Bench(client)
    status = await bench.poll(
        lambda: bench.command("cwm.modelStatus"), lambda s: s["state"] != "loading", 600
    )
    loaded = time.perf_counter() - started
    if status["state"] == "error":
        raise SystemExit(f"the model did not load: {status['message']}")
    uri = f"file:///bench/{name}.py"
    opened = time.perf_counter()
    bench.open(uri, text)
    await bench.poll(lambda: bench.hints(uri), lambda h: bool(h), timeout)
    first = time.perf_counter() - opened
    await bench.idle(timeout)
    full = time.perf_counter() - opened
    stats = await bench.command("cwm.stats")
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return {
        "load_s": round(loaded, 2),
        "first_hint_s": round(first, 2),
        "full_trace_s": round(full, 2),
        "tokens_evaluated": stats.get("lastTokensEvaluated"),
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as states:
        base = dict(os.environ)
        ways = {
            "no-state": {**base, "CWM_LSP_PREFIX_STATE": "off"},
            "built": {**base, "CWM_LSP_PREFIX_DIR": states},
            "restored": {**base, "CWM_LSP_PREFIX_DIR": states},
        }
        for name, text in SAMPLES.items():
            for way, env in ways.items():
                if way == "built":
                    for stale in Path(states).glob("*.state"):
                        stale.unlink()
                got = await one_run(name, text, env, args.timeout)
                results.setdefault(name, {})[way] = got
                sys.stderr.write(f"{name:9} {way:9} {got}\n")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--out", default="bench-first-hint.json")
    args = parser.parse_args()
    results = asyncio.run(run(args))
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
