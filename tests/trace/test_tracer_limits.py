"""The real tracer at its limits: long values, frame cap, timeout, crashes, program output."""

from __future__ import annotations

import time

from cwm_lsp.trace import ELLIPSIS, EndReason


def test_long_reprs_are_cut_at_the_limit_with_a_visible_ellipsis(trace_source):
    trace = trace_source(
        """
        def build(n):
            xs = list(range(n))
            return xs
        """,
        "build",
        "1000",
        repr_limit=30,
    )

    value = trace.return_value
    assert value is not None and len(value) == 30 and value.endswith(ELLIPSIS)
    assert repr(list(range(1000))).startswith(value.removesuffix(ELLIPSIS))


def test_repr_limit_zero_keeps_whole_reprs(trace_source):
    trace = trace_source("def build(n):\n    return 'x' * n\n", "build", "500", repr_limit=0)

    assert trace.return_value == repr("x" * 500)


def test_huge_values_cost_little_because_only_the_shown_part_is_written(trace_source):
    started = time.monotonic()
    trace = trace_source(
        """
        def grow():
            big = list(range(2_000_000))
            text = "ab'" * 1_000_000
            for _ in range(200):
                big[0] += 1
            return len(big)
        """,
        "grow",
    )

    assert trace.reason is EndReason.RETURNED
    assert time.monotonic() - started < 8.0  # full reprs would take minutes
    last_line = [f for f in trace.frames if f.event == "line"][-1]
    assert last_line.locals["big"].startswith("[200, 1, 2, 3")
    assert last_line.locals["text"].startswith("\"ab'ab'")
    assert all(len(v) <= 200 for f in trace.frames for v in f.locals.values())


def test_deeply_nested_values_are_shown_cut_or_as_a_failed_repr(trace_source):
    source = """
    def nest(depth):
        xs = []
        for _ in range(depth):
            xs = [xs]
        return xs
    """

    cut = trace_source(source, "nest", "1500", repr_limit=20)  # deeper than repr can go
    whole = trace_source(source, "nest", "1500", repr_limit=0, timeout=60)

    assert cut.return_value == "[" * 19 + ELLIPSIS
    assert whole.reason is EndReason.RETURNED
    assert whole.return_value is not None
    assert whole.return_value.startswith("<repr failed: RecursionError")


def test_a_repr_that_raises_is_shown_as_a_failed_repr(trace_source):
    trace = trace_source(
        """
        class Touchy:
            def __repr__(self):
                raise RuntimeError("no looking")

        def make():
            t = Touchy()
            return t
        """,
        "make",
    )

    assert trace.return_value == "<repr failed: RuntimeError: no looking>"
    assert trace.frames[-2].locals == {"t": "<repr failed: RuntimeError: no looking>"}


def test_frame_cap_stops_recording_after_exactly_that_many_frames(trace_source):
    trace = trace_source(
        "def count():\n    n = 0\n    for _ in range(1000):\n        n += 1\n    return n\n",
        "count",
        max_frames=50,
    )

    assert trace.reason is EndReason.FRAME_CAP
    assert len(trace.frames) == 50
    assert trace.error == "stopped recording after 50 frames; the call then returned"


def test_a_call_that_returns_on_the_last_allowed_frame_counts_as_returned(trace_source):
    source = "def one():\n    return 1\n"  # call, line, return: three frames

    exact = trace_source(source, "one", max_frames=3)
    short = trace_source(source, "one", max_frames=2)

    assert (exact.reason, len(exact.frames)) == (EndReason.RETURNED, 3)
    assert (short.reason, len(short.frames)) == (EndReason.FRAME_CAP, 2)


def test_busy_while_true_loop_is_recorded_up_to_the_cap_then_stopped_at_the_timeout(trace_source):
    started = time.monotonic()
    trace = trace_source("def spin():\n    while True:\n        pass\n", "spin", timeout=2.0)

    assert trace.reason is EndReason.TIMEOUT
    assert len(trace.frames) == 10_000
    assert "frame cap of 10000" in trace.error
    assert time.monotonic() - started < 8.0


def test_while_true_stops_at_the_timeout_with_a_partial_trace(trace_source):
    started = time.monotonic()
    trace = trace_source(
        """
        import time

        def wait_forever():
            ticks = 0
            while True:
                ticks += 1
                time.sleep(0.01)
        """,
        "wait_forever",
        timeout=1.5,
    )

    elapsed = time.monotonic() - started
    assert trace.reason is EndReason.TIMEOUT
    assert "1.5 s" in trace.error
    assert 1.5 <= elapsed < 6.0
    assert trace.frames[0].event == "call"
    assert int(trace.frames[-1].locals.get("ticks", "0")) > 5


def test_a_killed_child_is_a_crash_with_the_frames_before_the_kill(trace_source):
    trace = trace_source(
        """
        import os, signal

        def die():
            x = 1
            print("about to die")
            os.kill(os.getpid(), signal.SIGKILL)
            return x
        """,
        "die",
    )

    assert trace.reason is EndReason.CRASH
    assert "SIGKILL" in trace.error
    assert trace.frames[-1].source.strip() == "os.kill(os.getpid(), signal.SIGKILL)"
    assert trace.stdout == "about to die\n"


def test_os_exit_is_a_crash_that_names_the_exit_code(trace_source):
    trace = trace_source("import os\n\ndef leave():\n    os._exit(3)\n", "leave")

    assert trace.reason is EndReason.CRASH
    assert "code 3" in trace.error
    assert [f.event for f in trace.frames] == ["call", "line"]


def test_program_stdout_and_stderr_are_kept_apart_from_the_frames(trace_source):
    trace = trace_source(
        """
        import sys

        def chatty():
            print("to stdout")
            print("to stderr", file=sys.stderr)
            return 0
        """,
        "chatty",
    )

    assert trace.stdout == "to stdout\n"
    assert trace.stderr == "to stderr\n"
    assert trace.return_value == "0"


def test_reading_stdin_sees_end_of_file_instead_of_hanging(trace_source):
    trace = trace_source("def ask():\n    return input()\n", "ask", timeout=5)

    assert trace.reason is EndReason.RAISED
    assert trace.error.startswith("EOFError")


def test_sys_exit_inside_the_function_is_an_exception(trace_source):
    trace = trace_source("import sys\n\ndef stop():\n    sys.exit(4)\n", "stop")

    assert trace.reason is EndReason.RAISED
    assert trace.error == "SystemExit: 4"


def test_a_module_that_fails_while_loading_is_reported_as_raised(trace_source):
    trace = trace_source(
        "import no_such_module_here\n\ndef f():\n    return 1\n",
        "f",
    )

    assert trace.reason is EndReason.RAISED
    assert "ModuleNotFoundError" in trace.error and "loading" in trace.error
    assert trace.frames == []
