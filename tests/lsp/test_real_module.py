"""End to end on a module like a user's: classes, methods, stdlib imports, helpers, a generator.

The real server process with the real default model and nothing configured,
driven by pytest-lsp with VS Code's capabilities.  What a new user must see:

- a method is simulated on an instance: its hints show ``self`` and the
  instance's attributes (``self.balances = {}``), and its lens names the
  receiver (``Ledger('ada').deposit('savings', 25)``, from the call site);
- invented inputs fit the code: a parameter the body calls ``.lower()`` on
  gets a string;
- ``__init__`` returns ``None``.

Kept as cheap as the model allows: temperature 0, 12 frames a function, one
server for the module (predictions are cached).
"""

from __future__ import annotations

import ast
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from .conftest import (
    REAL_SERVER,
    command,
    hints,
    init_params,
    labels,
    open_text,
    poll,
)

pytestmark = [
    pytest.mark.asyncio(loop_scope="module"),
    pytest.mark.model,
    pytest.mark.slow,
    pytest.mark.timeout(2400),
]

REPO = Path(__file__).resolve().parents[2]
MODEL_WAIT = float(os.environ.get("CWM_TEST_MODEL_WAIT", "900"))
URI = "file:///real/ledger.py"

MODULE = '''\
import re
from collections import Counter, deque


class Ledger:
    """Money in, by account."""

    def __init__(self, owner):
        self.owner = owner
        self.balances = {}
        self.history = []

    def deposit(self, account, amount=10):
        self.balances[account] = self.balances.get(account, 0) + amount
        self.history.append((account, amount))
        return self.balances[account]

    def largest(self):
        return max(self.balances.values(), default=0)


class Shelf:
    def __init__(self, size=3):
        self.books = deque(maxlen=size)

    def put(self, title):
        self.books.append(title.strip().title())
        return len(self.books)


def tokens(text):
    return re.findall(r"[a-z']+", text.lower())


def top_words(text, n=2):
    counts = Counter(tokens(text))
    return [word for word, _ in counts.most_common(n)]


def evens(limit):
    for i in range(limit):
        if i % 2 == 0:
            yield i


ledger = Ledger("ada")
ledger.deposit("savings", 25)
'''
LINES = MODULE.splitlines()


def line_of(text: str) -> int:
    """The 0-based line of the module that starts with ``text`` (after indentation)."""
    return next(i for i, line in enumerate(LINES) if line.strip().startswith(text))


@pytest_lsp.fixture(
    scope="module",
    config=REAL_SERVER,
)
async def client(lsp_client: LanguageClient) -> AsyncIterator[None]:
    await lsp_client.initialize_session(
        init_params("visual_studio_code", {"prediction": {"temperature": 0.0, "maxFrames": 12}})
    )
    open_text(lsp_client, URI, MODULE)
    yield
    await lsp_client.shutdown_session()


async def lens_titles(client: LanguageClient) -> dict[int, str]:
    lenses = await client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=URI))
    )
    return {
        lens.range.start.line: lens.command.title
        for lens in lenses or []
        if lens.command is not None and lens.command.title.startswith("cwm:")
    }


def def_hint(found: list[types.InlayHint], text: str) -> str:
    return labels(found).get(line_of(text), "")


async def test_a_method_runs_on_an_instance_and_its_hints_show_the_instance(
    client: LanguageClient,
) -> None:
    found = await poll(
        lambda: hints(client, URI),
        lambda h: "self" in def_hint(h, "def deposit"),
        MODEL_WAIT,
        "the hints of Ledger.deposit",
    )
    entry = def_hint(found, "def deposit")
    assert "self = <Ledger>" in entry and "self.balances = {}" in entry, entry
    assert "account = 'savings'" in entry and "amount = 25" in entry, entry
    titles = await lens_titles(client)
    deposit = titles[line_of("def deposit")]
    assert "Ledger('ada').deposit('savings', 25)" in deposit
    assert f"from call site line {line_of('ledger.deposit') + 1}" in deposit


async def test_a_method_without_a_call_site_gets_an_invented_instance(
    client: LanguageClient,
) -> None:
    found = await poll(
        lambda: hints(client, URI),
        lambda h: "self" in def_hint(h, "def put"),
        MODEL_WAIT,
        "the hints of Shelf.put",
    )
    entry = def_hint(found, "def put")
    assert "self = <Shelf>" in entry and "self.books = " in entry, entry
    title = entry.split("title = ", 1)[1]
    assert title[:1] in "'\"", f"title is not a string: {entry}"  # title.strip()


async def test_invented_inputs_fit_how_the_body_uses_them(client: LanguageClient) -> None:
    found = await poll(
        lambda: hints(client, URI),
        lambda h: "text = " in def_hint(h, "def tokens"),
        MODEL_WAIT,
        "the hints of tokens",
    )
    entry = def_hint(found, "def tokens")
    value = entry.split("text = ", 1)[1]
    assert value[:1] in "'\"", f"text is not a string: {entry}"  # text.lower()
    if not value.endswith("…"):
        assert isinstance(ast.literal_eval(value), str)
    limit = await poll(
        lambda: hints(client, URI),
        lambda h: "limit = " in def_hint(h, "def evens"),
        MODEL_WAIT,
        "the hints of evens",
    )
    assert def_hint(limit, "def evens").split("limit = ", 1)[1].lstrip("-")[:1].isdigit()


async def test_a_constructor_returns_none(client: LanguageClient) -> None:
    titles = await poll(
        lambda: lens_titles(client),
        lambda t: "simulating" not in t.get(line_of("def __init__(self, owner)"), "simulating"),
        MODEL_WAIT,
        "the prediction of Ledger.__init__",
    )
    init = titles[line_of("def __init__(self, owner)")]
    assert "Ledger('ada')" in init and "⇒ None" in init, init


async def test_every_function_of_the_module_gets_a_prediction(client: LanguageClient) -> None:
    await poll(
        lambda: command(client, "cwm.stats"),
        lambda s: s["inFlight"] == 0 and s["cached"] >= 8,
        MODEL_WAIT,
        "every prediction",
    )
    titles = await lens_titles(client)
    failed = [t for t in titles.values() if "model failed" in t or "(error)" in t]
    assert not failed, failed


async def test_terminating_code_gets_no_termination_warning(client: LanguageClient) -> None:
    """Runs cut at the frame cap (12 here) say so in the lens; they are no evidence."""
    await poll(
        lambda: command(client, "cwm.stats"),
        lambda s: s["inFlight"] == 0 and s["cached"] >= 8,
        MODEL_WAIT,
        "every prediction",
    )
    warned = [d for d in client.diagnostics.get(URI, []) if d.code == "may-not-terminate"]
    assert warned == []
