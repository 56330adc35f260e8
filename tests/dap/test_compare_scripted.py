"""Compare mode with REAL debugpy and a scripted imagined side (so the divergence is known exactly).

The real side always runs the program for real under debugpy; only the
imagined frames are scripted.  test_compare_model.py does the same with the
real model.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .conftest import InProcessAdapter, marked_processes, wait_until_gone
from .programs import (
    CRASHES,
    CRASHES_TRACE,
    LOOPS,
    LOOPS_TRACE,
    SLEEPS,
    SLEEPS_TRACE,
    TOTAL,
    total_trace,
)


def _compare(
    program: Path, function: str = "total", args: str = "(2,)", **extra: object
) -> dict[str, object]:
    return {"program": str(program), "function": function, "args": args, "mode": "compare", **extra}


def test_when_both_worlds_agree_no_divergence_is_reported_and_the_real_thread_mirrors_the_imagined(
    scripted_adapter: Callable[..., InProcessAdapter],
    write_program: Callable[..., Path],
    test_mark: str,
) -> None:
    client = scripted_adapter(total_trace()).client
    stop = client.start(_compare(write_program(TOTAL)))
    assert stop["body"]["reason"] == "entry"
    assert [t["name"] for t in client.call("threads")["threads"]] == ["imagined", "real"]
    for command in ("next", "next", "next", "stepIn", "next", "next"):
        stop = client.move(command)
        assert "description" not in stop["body"], stop
        assert client.top(1)["line"] == client.top(2)["line"]
        assert client.variables(1, "Mismatches") == {}
    real = client.variables(2)
    assert real["x"]["value"] == "0"
    assert client.move("continue")["event"] == "terminated"
    assert "diverged" not in client.output_text()
    client.call("disconnect", {})
    assert wait_until_gone(test_mark) == []


def test_continue_stops_at_the_first_step_where_imagined_and_real_values_differ(
    scripted_adapter: Callable[..., InProcessAdapter],
    write_program: Callable[..., Path],
    test_mark: str,
) -> None:
    imagined = total_trace(second_double="3")  # helper(1) really returns 2
    first_wrong = next(
        i
        for i, (a, b) in enumerate(zip(imagined, total_trace(), strict=True))
        if a != b or a.value != b.value
    )
    client = scripted_adapter(imagined).client
    client.start(_compare(write_program(TOTAL)))
    stop = client.move("continue")
    assert stop["body"]["reason"] == "step"
    assert stop["body"]["description"].startswith("diverged: ")
    assert "(return value): imagined 3, real 2" in stop["body"]["description"]
    assert client.top(1)["line"] == imagined[first_wrong].line == 2
    mismatches = client.variables(1, "Mismatches")
    assert mismatches["(return value)"]["value"] == "imagined 3 | real 2"
    assert "diverged: " in client.output_text()
    # the next step differs too (acc), but only the first divergence stopped `continue`
    client.move("next")
    assert client.variables(1, "Mismatches")["acc"]["value"] == "imagined 3 | real 2"
    client.call("disconnect", {})
    assert wait_until_gone(test_mark) == []


def test_set_variable_changes_the_value_in_both_worlds(
    scripted_adapter: Callable[..., InProcessAdapter], write_program: Callable[..., Path]
) -> None:
    adapter = scripted_adapter(total_trace())
    client = adapter.client
    client.start(_compare(write_program(TOTAL)))
    client.move("next")
    client.move("next")  # line 7, acc == 0
    ref = client.call("scopes", {"frameId": client.top()["id"]})["scopes"][0]["variablesReference"]
    client.call("setVariable", {"variablesReference": ref, "name": "acc", "value": "10"})
    assert adapter.model.sessions[0].edits == [("acc", "10")]
    assert client.variables(2)["acc"]["value"] == "10"
    assert client.variables(1)["acc"]["value"].startswith("10")
    assert client.variables(1, "Mismatches") == {}
    client.move("next")  # the real program really continues from acc = 10
    assert client.variables(2)["acc"]["value"] == "10"


def test_the_programs_output_is_forwarded_and_a_crash_ends_the_real_side_with_a_message(
    scripted_adapter: Callable[..., InProcessAdapter],
    write_program: Callable[..., Path],
    test_mark: str,
) -> None:
    client = scripted_adapter(CRASHES_TRACE, args="(3,)").client
    client.start(_compare(write_program(CRASHES), "crash", "(3,)"))
    client.move("next")
    client.move("next")
    stdout = [
        e for e in client.events if e["event"] == "output" and e["body"]["category"] == "stdout"
    ]
    assert "about to exit" in "".join(e["body"]["output"] for e in stdout)
    stop = client.move("next")
    assert "the real program has ended" in stop["body"]["description"]
    assert client.call("stackTrace", {"threadId": 2})["stackFrames"] == []
    client.call("disconnect", {})
    assert wait_until_gone(test_mark) == []


def test_a_real_program_that_never_reaches_the_next_line_is_given_up_after_the_step_timeout(
    scripted_adapter: Callable[..., InProcessAdapter],
    write_program: Callable[..., Path],
    test_mark: str,
) -> None:
    client = scripted_adapter(SLEEPS_TRACE, args="(60,)").client
    client.start(_compare(write_program(SLEEPS), "slow", "(60,)", realStepTimeout=2))
    client.move("next")
    stop = client.move("next", timeout=30)
    assert "the real program has ended" in stop["body"]["description"]
    client.call("disconnect", {})
    assert wait_until_gone(test_mark) == []


def test_an_endless_real_loop_stops_at_max_frames(
    scripted_adapter: Callable[..., InProcessAdapter],
    write_program: Callable[..., Path],
    test_mark: str,
) -> None:
    client = scripted_adapter(LOOPS_TRACE, args="(0,)").client
    client.start(_compare(write_program(LOOPS), "spin", "(0,)", maxFrames=12))
    stop = client.move("continue", timeout=60)
    assert stop["body"]["description"].startswith("diverged: ")
    assert "real program has ended" in stop["body"]["description"]
    client.call("disconnect", {})
    assert wait_until_gone(test_mark) == []


def test_a_client_that_vanishes_without_disconnect_leaves_no_process_behind(
    scripted_adapter: Callable[..., InProcessAdapter],
    write_program: Callable[..., Path],
    test_mark: str,
) -> None:
    adapter = scripted_adapter(SLEEPS_TRACE, args="(60,)")
    adapter.client.start(_compare(write_program(SLEEPS), "slow", "(60,)"))
    adapter.client.call("next", {"threadId": 1})  # real side now sleeps in time.sleep
    assert marked_processes(test_mark), "debugpy and the debuggee should be running now"
    adapter.close()  # EOF, no disconnect
    assert adapter.finished()
    assert wait_until_gone(test_mark) == []
