"""The real language server (``python -m cwm_lsp --stdio``, pytest-lsp, the real default
model) with its model in a host process: kill -9 the host mid-prediction and the server
says so, restarts it, runs the prediction again and keeps every document and cached
prediction; close stdin without ``shutdown`` and the server and its host end.
"""

from __future__ import annotations

import os
import signal
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_lsp
from lsp.conftest import (
    REAL_SERVER,
    command,
    edit_lines,
    hints,
    init_params,
    labels,
    open_text,
    poll,
)
from pytest_lsp import LanguageClient

from .processes import hosts_under, still_running

pytestmark = [
    pytest.mark.asyncio(loop_scope="module"),
    pytest.mark.model,
    pytest.mark.slow,
    pytest.mark.timeout(1200),
]

MODEL_WAIT = float(os.environ.get("CWM_TEST_MODEL_WAIT", "600"))
URI = "file:///host/program.py"
PROGRAM = """\
def add_one(n):
    result = n + 1
    return result


add_one(4)
"""
#: appended as lines 6.. (0-based) after the kill test starts predicting it
COUNT = """\


def count(n):
    total = 0
    for i in range(n):
        total = total + i
    return total


count(3)
"""


@pytest_lsp.fixture(
    scope="module",
    config=REAL_SERVER,
)
async def client(lsp_client: LanguageClient) -> AsyncIterator[None]:
    await lsp_client.initialize_session(
        init_params(
            "visual_studio_code",
            {"prediction": {"temperature": 0.0, "maxFrames": 40}, "model": {"contextSize": 2048}},
        )
    )
    open_text(lsp_client, URI, PROGRAM)
    yield
    await lsp_client.shutdown_session()


def the_host() -> Any:
    (host,) = hosts_under()
    return host


async def test_the_model_runs_in_a_host_process_by_default(client: LanguageClient) -> None:
    found = await poll(
        lambda: hints(client, URI), lambda h: 1 in labels(h), MODEL_WAIT, "hints for add_one"
    )
    assert labels(found)[1].startswith("result = ")
    host = the_host()
    server = host.parent()
    assert server.pid != os.getpid() and "cwm_lsp" in " ".join(server.cmdline())


async def test_kill_9_mid_prediction_is_reported_restarted_and_the_hints_arrive(
    client: LanguageClient,
) -> None:
    state: Any = client
    # add_one's hints can be streamed ones: its trace finishes (and is cached) first
    before = await poll(
        lambda: command(client, "cwm.stats"),
        lambda s: s["inFlight"] == 0 and s["queued"] == 0,
        MODEL_WAIT,
        "add_one's prediction to finish",
    )
    cached_before = before["cached"]
    edit_lines(client, URI, 6, 6, COUNT, version=2)
    # mid-prediction: count() has been taken up by the model and has not finished
    await poll(
        lambda: command(client, "cwm.stats"),
        lambda s: s["inFlight"] >= 1 and s["imagineCalls"] > before["imagineCalls"],
        MODEL_WAIT,
        "the prediction of count to start",
    )
    host = the_host()
    calls_at_kill = (await command(client, "cwm.stats"))["imagineCalls"]
    os.kill(host.pid, signal.SIGKILL)
    status = await poll(
        lambda: command(client, "cwm.modelStatus"),
        lambda s: "killed by SIGKILL" in s["message"] or s["restarts"] >= 1,
        30,
        "the status to say the host died",
    )
    assert status["restarts"] == 1
    said = [s["message"] for s in state.statuses if "killed by SIGKILL" in s["message"]]
    assert said and f"pid {host.pid}" in said[0] and "restarting it in" in said[0]
    found = await poll(
        lambda: hints(client, URI),
        lambda h: 9 in labels(h) and 1 in labels(h),
        MODEL_WAIT,
        "hints for count after the restart",
    )
    assert labels(found)[9].startswith("total = ")
    assert labels(found)[1].startswith("result = ")  # the document and its cached hints stayed
    # the first hints of count can be streamed ones: wait for its trace to finish
    stats = await poll(
        lambda: command(client, "cwm.stats"),
        lambda s: s["inFlight"] == 0 and s["queued"] == 0,
        MODEL_WAIT,
        "count's prediction to finish",
    )
    # add_one was not predicted again; count ran once more, on the new host
    assert stats["imagineCalls"] == calls_at_kill + 1
    assert stats["cached"] == cached_before + 1
    assert still_running([host.pid], timeout=3) == []
    assert the_host().pid != host.pid
    final = await command(client, "cwm.modelStatus")
    assert final["state"] in ("ready", "busy") and final["restarts"] == 1
