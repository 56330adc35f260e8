"""Against a real llama-server, the remote engine imagines what the in-process engine imagines.

At temperature 0 both take, at every token, the model's most likely token
that the format's constraint admits: the remote one from the server's
proposals under a grammar, checked against the same constraint.  Frames are
compared whole (event, line, locals, value); confidences come from the
server's probabilities of the raw logits, the in-process engine's numbers.
"""

from __future__ import annotations

import json
import subprocess
import sys
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from server_process import REPO_ROOT, LlamaServer

from cwm_lsp.engine.remote import RemoteEngine
from cwm_lsp.model.world import LlamaWorldModel
from cwm_lsp.trace import Frame

#: dev rows checked here (CRUXEval, evaluation only), and the frames imagined of each
DEV_ROWS = ("sample_0", "sample_8")
MAX_FRAMES = 7

ADD_ONE = "def f(x):\n    y = x + 1\n    return y\n"


def shape(frame: Frame) -> tuple[Any, ...]:
    return (frame.event, frame.line, dict(frame.locals), frame.value)


@pytest.fixture(scope="module")
def dev_rows(cruxeval_rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_id = {row["id"]: row for row in cruxeval_rows}
    return [by_id[name] for name in DEV_ROWS]


def test_default_model_frames_equal_in_process(
    default_local: LlamaWorldModel, default_remote: LlamaWorldModel, dev_rows: list[dict[str, Any]]
) -> None:
    assert default_remote.info.format == "generic"
    for row in dev_rows:
        local = default_local.imagine(row["code"], "f", row["input"], max_frames=MAX_FRAMES)
        remote = default_remote.imagine(row["code"], "f", row["input"], max_frames=MAX_FRAMES)
        assert remote.trace.error == local.trace.error, row["id"]
        assert [shape(f) for f in remote.trace.frames] == [shape(f) for f in local.trace.frames], (
            row["id"]
        )
        # The model's own probabilities (the local model may also carry a calibration,
        # found beside its file; the remote one is raw).
        for mine, theirs in zip(remote.trace.frames, local.trace.frames, strict=True):
            raw = mine.raw_confidence or mine.confidence
            for name, value in (theirs.raw_confidence or theirs.confidence).items():
                assert raw[name] == pytest.approx(value, abs=0.02), row["id"]


def test_native_format_over_the_wire_equals_in_process(
    tiny_local: LlamaWorldModel, tiny_remote: LlamaWorldModel
) -> None:
    assert tiny_remote.info.format == "cwm"
    local = tiny_local.imagine(ADD_ONE, "f", "3", max_frames=6)
    remote = tiny_remote.imagine(ADD_ONE, "f", "3", max_frames=6)
    assert [shape(f) for f in remote.trace.frames] == [shape(f) for f in local.trace.frames]
    assert remote.trace.parse_errors == local.trace.parse_errors
    assert remote.trace.frames[0].locals == {"x": "3"}


def test_each_native_frame_is_one_request(tiny_remote: LlamaWorldModel) -> None:
    """The event token (or the end) and the frame up to <|frame_sep|>, by token id, in one
    request: no token of it needs a second one (the random tiny model writes frames that
    run to the frame cap, so the session tries each frame a few times: one request each)."""
    engine = tiny_remote.engine
    assert isinstance(engine, RemoteEngine)
    session = tiny_remote.session(ADD_ONE, "f", args="3", max_frames=6)
    session.reset()
    before = (engine.stats.requests, engine.stats.proposals, engine.stats.single_choices)
    session.step()
    requests = engine.stats.requests - before[0]
    assert requests >= 1
    assert engine.stats.proposals - before[1] == requests
    assert engine.stats.single_choices == before[2]
    session.close()


COLLATZ = """\
def collatz_steps(n):
    steps = 0
    while n != 1:
        if n % 2 == 0:
            n = n // 2
        else:
            n = 3 * n + 1
        steps += 1
    return steps
"""


def _steps(world: LlamaWorldModel, count: int) -> list[list[Any]]:
    """The requests of each of ``count`` steps of a collatz session (one loop: 4 lines)."""
    engine = world.engine
    assert isinstance(engine, RemoteEngine)
    session = world.session(COLLATZ, "collatz_steps", args="27", max_frames=count + 4)
    session.reset()
    per_step = []
    for _ in range(count):
        start = len(engine.stats.log)
        session.step()
        per_step.append(engine.stats.log[start:])
    session.close()
    return per_step


def test_each_request_sends_the_whole_history_as_token_ids_with_the_prompt_cache_on(
    default_remote: LlamaWorldModel,
) -> None:
    engine = default_remote.engine
    assert isinstance(engine, RemoteEngine)
    client = engine.api.client
    sent: list[dict[str, Any]] = []
    stream = client.stream

    def spy(path: str, payload: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        sent.append(payload)
        return stream(path, payload, *args, **kwargs)

    client.stream = spy  # type: ignore[method-assign]
    try:
        _steps(default_remote, 4)
    finally:
        client.stream = stream  # type: ignore[method-assign]
    assert len(sent) >= 4
    for before, after in pairwise(sent):
        assert after["cache_prompt"] is True
        assert all(isinstance(t, int) for t in after["prompt"])
        # a session only moves on: each request's prompt is the history so far, whole
        assert after["prompt"][: len(before["prompt"])] == before["prompt"]
        assert after["n_probs"] == 64  # the candidates a choice needs, with the proposal


def test_after_the_first_step_each_step_evaluates_only_its_new_tokens(
    default_remote: LlamaWorldModel,
) -> None:
    """From the server's own counters (timings.prompt_n, cache_n): every request after
    the first evaluates exactly the tokens the server had not evaluated yet, never its
    last one again, so a step costs the same at step 14 as at step 2."""
    per_step = _steps(default_remote, 14)
    later = per_step[1:]  # the first step sends the prompt (evaluated once per server)
    for records in later:
        for record in records:
            assert record.evaluated == record.new, record
            assert record.cached + record.evaluated == record.sent, record
    evaluated = [sum(r.evaluated for r in records) for records in later]
    assert max(evaluated) <= 16, evaluated
    assert max(evaluated[-4:]) <= max(evaluated[:4]), evaluated  # the same loop, later


def test_cli_trace_with_endpoint_prints_the_in_process_frames(
    default_server: LlamaServer, default_local: LlamaWorldModel, tmp_path: Path
) -> None:
    program = tmp_path / "prog.py"
    program.write_text(ADD_ONE, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "cwm_lsp", "trace", str(program), "-f", "f", "-a", "41",
         "--json", "--max-frames", "6", "--endpoint", default_server.url],
        capture_output=True, text=True, timeout=300, cwd=REPO_ROOT, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    frames = json.loads(result.stdout)["frames"]
    local = default_local.imagine(ADD_ONE, "f", "41", max_frames=6)
    assert [(f["event"], f["line"], f["locals"], f.get("value")) for f in frames] == [
        shape(f) for f in local.trace.frames
    ]


def test_model_info_says_what_the_endpoint_serves(default_server: LlamaServer) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cwm_lsp", "model", "info", "--endpoint", default_server.url],
        capture_output=True, text=True, timeout=120, cwd=REPO_ROOT, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "server:   llama-server" in result.stdout
    assert "format: generic" in result.stdout
    assert "prefix cache: yes" in result.stdout
    assert default_server.url in result.stdout


def test_step_next_back_and_edit_over_the_wire_equal_in_process(
    default_local: LlamaWorldModel, default_remote: LlamaWorldModel
) -> None:
    """What a debug session does (step, step over a call, back, set a value, go on)."""
    source = (
        "def g(a):\n    return a * 2\n\n\ndef f(x):\n    y = g(x)\n    z = y + 1\n    return z\n"
    )

    def walk(world: LlamaWorldModel) -> list[tuple[Any, ...]]:
        session = world.session(source, "f", args="3", max_frames=12)
        session.reset()
        seen = [session.step(), session.next()]  # over g(x): now at z = y + 1
        seen.append(session.edit("x", "10"))
        seen.append(session.step())
        seen.append(session.back())
        session.close()
        return [shape(f) for f in seen]

    assert walk(default_remote) == walk(default_local)
