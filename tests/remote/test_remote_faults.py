"""Faults of a remote model: every one says what happened, none hangs, and the engine recovers.

The real llama-server produces the faults it can (not up yet, killed with
``kill -9`` mid-trace and started again, a 4xx for a prompt past its
context); a stub produces the rest (5xx runs, garbage and truncated bodies, a
stall, a slow stream to cancel).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from server_process import LlamaServer, free_port
from stub_server import (
    FINAL_EVENT,
    TOKEN_EVENT,
    Behaviour,
    send_events,
    send_json,
    send_raw,
    stub_server,
)

from cwm_lsp.engine.remote_api import LlamaServerAPI
from cwm_lsp.engine.remote_http import HttpClient, RemoteError, RequestCancelled, Retry, Timeouts
from cwm_lsp.model import ModelConfig, ModelLoadError, load_model
from cwm_lsp.model.world import LlamaWorldModel

ADD = "def f(x):\n    y = x + 1\n    z = y * 2\n    return z\n"
QUICK = Retry(attempts=3, backoff=0.05, max_backoff=0.1)


def client(url: str, **options: object) -> HttpClient:
    options.setdefault("retry", QUICK)
    return HttpClient(url, **options)  # type: ignore[arg-type]


def complete(url: str, **options: object) -> object:
    return LlamaServerAPI(client(url, **options)).complete(
        [1, 2, 3], n_predict=1, temperature=0.0, seed=0
    )


@pytest.fixture
def own_server(
    llama_server_binary: Path, default_gguf: Path, tmp_path: Path
) -> Iterator[LlamaServer]:
    """A default-model server this test may kill and start again (same port)."""
    server = LlamaServer(default_gguf, ctx=2048, log=tmp_path / "server.log").start()
    yield server
    server.stop()


#: enough for a default-model server to start again on a loaded 2-core machine (~40 s)
PATIENT = Retry(attempts=14, backoff=0.5, max_backoff=4.0)


def _restart_later(server: LlamaServer, delay: float) -> threading.Thread:
    thread = threading.Thread(target=lambda: (time.sleep(delay), server.start()), daemon=True)
    thread.start()
    return thread


# ------------------------------------------------------------------ real llama-server


def test_an_endpoint_that_is_not_up_says_connection_refused() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    started = time.monotonic()
    with pytest.raises(ModelLoadError) as caught:
        load_model(ModelConfig(endpoint=url, connect_timeout=1.0))
    assert f"cannot reach {url}/props: connection refused" in str(caught.value)
    assert time.monotonic() - started < 15  # a few retries with backoff, then the answer


def test_the_editor_may_start_before_the_server(
    llama_server_binary: Path, tiny_gguf: Path, tmp_path: Path
) -> None:
    server = LlamaServer(tiny_gguf, ctx=2048, log=tmp_path / "late.log")
    waiter = threading.Thread(target=server.start, daemon=True)
    waiter.start()  # the server is still loading when the model is asked for
    try:
        world = load_model(ModelConfig(endpoint=server.url))
        assert world.info.format == "cwm"
        world.close()
    finally:
        waiter.join(60)
        server.stop()


def test_kill_9_mid_trace_the_trace_goes_on_when_the_server_is_back_and_ends_saying_why_if_not(
    own_server: LlamaServer, default_local: LlamaWorldModel
) -> None:
    world = load_model(ModelConfig(endpoint=own_server.url))
    client = world.engine.api.client  # type: ignore[attr-defined]
    client.retry = PATIENT
    session = world.session(ADD, "f", args="3", max_frames=8)
    session.reset()
    frames = [session.step(), session.step()]
    own_server.kill()
    restart = _restart_later(own_server, 0.3)
    frames.append(session.step())  # retried with backoff until the server answers again
    restart.join(60)
    frames.append(session.step())
    assert not session.trace.error
    local = default_local.session(ADD, "f", args="3", max_frames=8)
    local.reset()
    expected = [local.step() for _ in frames]
    local.close()
    assert [(f.event, f.line, f.locals, f.value) for f in frames] == [
        (f.event, f.line, f.locals, f.value) for f in expected
    ]
    # Gone for longer than the retries wait: the session ends and says what happened.
    client.retry = QUICK
    own_server.kill()
    gone = world.session(ADD, "f", args="3", max_frames=8)
    gone.reset()  # the entry is forced: nothing asked of the server yet
    gone.step()  # retried with backoff, then the session ends and says why
    assert gone.done
    assert gone.trace.error.startswith(f"cannot reach {own_server.url}/")
    # Back again: a new session (the debugger's restart) works on the same engine.
    own_server.start()
    again = world.session(ADD, "f", args="3", max_frames=8)
    again.reset()
    assert again.step().event == "line"
    assert not again.trace.error
    world.close()


def test_a_prompt_past_the_server_context_is_a_4xx_answered_at_once(
    tiny_server: LlamaServer,
) -> None:
    api = LlamaServerAPI(client(tiny_server.url))
    with pytest.raises(RemoteError) as caught:
        api.complete([5] * 9000, n_predict=1, temperature=0.0, seed=0)
    assert 400 <= caught.value.status < 500
    assert not caught.value.transient
    assert api.client.requests == 1  # not retried


# ------------------------------------------------------------------ stub server


def test_a_run_of_5xx_is_retried_with_backoff() -> None:
    behaviour = Behaviour()
    failures = iter(range(2))

    def flaky(handler: object) -> None:
        if next(failures, None) is not None:
            send_json(handler, {"error": {"message": "loading model"}}, 503)  # type: ignore[arg-type]
        else:
            send_events(handler, [TOKEN_EVENT, FINAL_EVENT])  # type: ignore[arg-type]

    behaviour.answers["/completion"] = flaky
    with stub_server(behaviour) as url:
        result = complete(url)
    assert [path for path, _ in behaviour.seen] == ["/completion"] * 3
    assert result.tokens == [97]  # type: ignore[attr-defined]


def test_5xx_that_does_not_end_says_what_the_server_answered() -> None:
    behaviour = Behaviour()
    behaviour.answers["/completion"] = lambda h: send_json(
        h, {"error": {"message": "slot unavailable"}}, 503
    )
    with stub_server(behaviour) as url, pytest.raises(RemoteError) as caught:
        complete(url)
    assert str(caught.value) == f"{url}/completion answered 503: slot unavailable"


def test_a_garbage_body_is_malformed_json() -> None:
    behaviour = Behaviour()
    behaviour.answers["/props"] = lambda h: send_raw(h, b"<html>502 Bad Gateway</html>")
    with stub_server(behaviour) as url, pytest.raises(ModelLoadError) as caught:
        load_model(ModelConfig(endpoint=url))
    assert f"{url}/props sent malformed JSON" in str(caught.value)


def test_a_truncated_stream_is_an_early_end() -> None:
    behaviour = Behaviour()
    behaviour.answers["/completion"] = lambda h: send_events(
        h, [TOKEN_EVENT, FINAL_EVENT], end=False
    )
    with stub_server(behaviour) as url, pytest.raises(RemoteError) as caught:
        complete(url)
    assert "ended its stream early" in str(caught.value)


def test_truncated_json_in_a_stream_is_malformed() -> None:
    def cut(handler: object) -> None:
        handler.send_response(200)  # type: ignore[attr-defined]
        handler.send_header("Connection", "close")  # type: ignore[attr-defined]
        handler.end_headers()  # type: ignore[attr-defined]
        handler.wfile.write(b'data: {"content": "a", "tok\n\n')  # type: ignore[attr-defined]

    behaviour = Behaviour(answers={"/completion": cut})
    with stub_server(behaviour) as url, pytest.raises(RemoteError) as caught:
        complete(url)
    assert "sent malformed JSON in its stream" in str(caught.value)


def test_a_stalled_server_times_out_on_the_read_timeout() -> None:
    behaviour = Behaviour()
    behaviour.answers["/completion"] = lambda h: time.sleep(3)
    started = time.monotonic()
    with stub_server(behaviour) as url, pytest.raises(RemoteError) as caught:
        complete(
            url, timeouts=Timeouts(connect=1.0, read=0.3), retry=Retry(attempts=2, backoff=0.05)
        )
    assert "timed out" in str(caught.value)
    assert time.monotonic() - started < 2.5


def test_a_cancelled_prediction_closes_its_request() -> None:
    behaviour = Behaviour()
    behaviour.answers["/completion"] = lambda h: send_events(
        h, [TOKEN_EVENT] * 50 + [FINAL_EVENT], delay=0.1
    )
    stop_at = time.monotonic() + 0.3
    with stub_server(behaviour) as url:
        api = LlamaServerAPI(client(url))
        with pytest.raises(RequestCancelled):
            api.complete(
                [1], n_predict=50, temperature=0.0, seed=0,
                should_stop=lambda: time.monotonic() > stop_at,
            )  # fmt: skip
        assert time.monotonic() - stop_at < 0.5
        assert behaviour.disconnected.wait(3)  # the server saw the request closed


def test_the_api_key_is_sent_as_bearer_and_never_shown(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    behaviour = Behaviour()
    behaviour.answers["/completion"] = lambda h: send_json(h, {"error": {"message": "nope"}}, 500)
    with stub_server(behaviour) as url, pytest.raises(RemoteError) as caught:
        complete(url, api_key="sk-secret-123")
    assert all(h.get("Authorization") == "Bearer sk-secret-123" for _, h in behaviour.seen)
    assert "sk-secret-123" not in str(caught.value)
    assert "sk-secret-123" not in caplog.text
    assert "sk-secret-123" not in repr(client(url, api_key="sk-secret-123"))
