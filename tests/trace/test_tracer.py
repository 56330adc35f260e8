"""The real tracer: which frames a real execution records, and what they hold."""

from __future__ import annotations

from pathlib import Path

from cwm_lsp.trace import EndReason, frame_depths
from cwm_lsp.trace.tracer import trace_call

SUM_LOOP = """
def total(xs):
    s = 0
    for x in xs:
        s += x
    return s
"""


def steps(trace):
    return [(f.event, f.line) for f in trace.frames]


def test_loop_records_every_iteration_with_the_state_before_each_line(trace_source):
    trace = trace_source(SUM_LOOP, "total", "[1, 2]")

    assert steps(trace) == [
        ("call", 1),
        ("line", 2),
        ("line", 3),
        ("line", 4),
        ("line", 3),
        ("line", 4),
        ("line", 3),
        ("line", 5),
        ("return", 5),
    ]
    assert [f.locals.get("s") for f in trace.frames if f.event == "line" and f.line == 4] == [
        "0",
        "1",
    ]
    assert trace.reason is EndReason.RETURNED
    assert trace.return_value == "3"


def test_call_frame_holds_the_arguments_and_return_frame_only_the_value(trace_source):
    trace = trace_source(SUM_LOOP, "total", "[1, 2]")

    first, last = trace.frames[0], trace.frames[-1]
    assert first.source == "def total(xs):"
    assert first.locals == {"xs": "[1, 2]"} and first.value is None
    assert last.source == "    return s"
    assert last.locals == {} and last.value == "3"


def test_frames_carry_one_based_lines_and_the_files_own_source_text(trace_source):
    trace = trace_source(SUM_LOOP, "total", "[5]")
    lines = SUM_LOOP.lstrip("\n").split("\n")

    assert all(frame.source == lines[frame.line - 1] for frame in trace.frames)


def test_calls_into_the_same_file_are_traced_and_stdlib_calls_are_not(trace_source):
    trace = trace_source(
        """
        import json

        def square(n):
            return n * n

        def main(xs):
            data = json.dumps(sorted(xs))
            return [square(x) for x in xs], data
        """,
        "main",
        "[3, 1]",
    )

    called = [f.source.strip() for f in trace.frames if f.event == "call"]
    assert called == [
        "def main(xs):",
        "return [square(x) for x in xs], data",  # the list comprehension's own frame
        "def square(n):",
        "def square(n):",
    ]
    assert trace.return_value == "([9, 1], '[1, 3]')"


def test_recursion_opens_one_scope_per_level(trace_source):
    trace = trace_source(
        """
        def fact(n):
            if n <= 1:
                return 1
            return n * fact(n - 1)
        """,
        "fact",
        "3",
    )

    calls = [f.locals["n"] for f in trace.frames if f.event == "call"]
    returns = [f.value for f in trace.frames if f.event == "return"]
    assert calls == ["3", "2", "1"]
    assert returns == ["1", "2", "6"]
    assert max(frame_depths(trace.frames)) == 2
    assert trace.return_value == "6"


def test_caught_exception_is_an_exception_frame_followed_by_the_handler(trace_source):
    trace = trace_source(
        """
        def safe_div(a, b):
            try:
                return a / b
            except ZeroDivisionError:
                return None
        """,
        "safe_div",
        "1, 0",
    )

    events = [f.event for f in trace.frames]
    exception = trace.frames[events.index("exception")]
    after = trace.frames[events.index("exception") + 1]
    assert exception.value == "ZeroDivisionError('division by zero')"
    assert exception.locals == {}
    assert (after.event, after.source.strip()) == ("line", "except ZeroDivisionError:")
    assert trace.reason is EndReason.RETURNED
    assert trace.return_value == "None"


def test_uncaught_exception_ends_the_trace_as_raised_with_the_error(trace_source):
    trace = trace_source(
        """
        def inner(x):
            return 10 // x

        def outer(x):
            y = inner(x)
            return y
        """,
        "outer",
        "0",
    )

    assert trace.reason is EndReason.RAISED
    assert trace.error == "ZeroDivisionError: integer division or modulo by zero"
    assert trace.return_value is None
    assert trace.exception is not None and trace.exception.line == 5
    # The exception passes through inner and outer; each scope still closes with a
    # return frame, which carries no value because nothing was returned.
    assert steps(trace)[-4:] == [("exception", 2), ("return", 2), ("exception", 5), ("return", 5)]
    assert trace.frames[-1].value is None


def test_generator_yields_are_returns_and_resumptions_are_calls(trace_source):
    trace = trace_source(
        """
        def count_up(n):
            for i in range(n):
                yield i

        def consume(n):
            return list(count_up(n))
        """,
        "consume",
        "2",
    )

    generator = [(f.event, f.value) for f in trace.frames if f.line in (1, 2, 3)]
    assert [event for event, _ in generator].count("call") == 3  # start + 2 resumptions
    assert [value for event, value in generator if event == "return"] == ["0", "1", "None"]
    assert trace.return_value == "[0, 1]"


def test_comprehension_runs_as_its_own_call_without_its_hidden_iterator(trace_source):
    trace = trace_source(
        """
        def squares(n):
            out = [i * i for i in range(n)]
            return out
        """,
        "squares",
        "3",
    )

    depths = frame_depths(trace.frames)
    inner = [f for f, d in zip(trace.frames, depths, strict=True) if d == 1]
    assert inner[0].event == "call" and inner[-1].event == "return"
    assert inner[-1].value == "[0, 1, 4]"
    assert all(".0" not in f.locals for f in inner)
    assert [f.locals.get("i") for f in inner if f.event == "line"] == [None, "0", "1", "2"]


def test_closure_frames_see_their_free_variables(trace_source):
    trace = trace_source(
        """
        def make_adder(k):
            def add(x):
                return x + k
            return add

        def run(k, x):
            add = make_adder(k)
            return add(x)
        """,
        "run",
        "10, 5",
    )

    add_call = next(f for f in trace.frames if f.event == "call" and f.line == 2)
    assert add_call.locals == {"x": "5", "k": "10"}
    assert trace.return_value == "15"


def test_default_and_keyword_arguments_from_a_call_expression(trace_source):
    source = """
    def greet(name, greeting="hi", *, punct="!"):
        return greeting + ", " + name + punct
    """

    trace = trace_source(source, "greet", "greet('Ann', punct='?')")

    assert trace.frames[0].locals == {"name": "'Ann'", "greeting": "'hi'", "punct": "'?'"}
    assert trace.return_value == "'hi, Ann?'"
    same = trace_source(source, "greet", "'Ann', punct='?'")
    assert same.frames == trace.frames


def test_argument_expressions_that_are_not_literals_are_evaluated_in_the_module(trace_source):
    trace = trace_source(
        """
        LIMIT = 2

        def apply(fn, xs):
            return [fn(x) for x in xs][:LIMIT]
        """,
        "apply",
        "lambda x: x * LIMIT, list(range(4))",
    )

    assert trace.return_value == "[0, 2]"
    assert all(f.source for f in trace.frames)  # the lambda from the args is not traced


def test_unicode_values_and_source_lines_survive(trace_source):
    trace = trace_source(
        """
        def shout(word):
            loud = word.upper() + "‼"  # ünïcødé
            return loud
        """,
        "shout",
        "'straße 🐍'",
    )

    assert trace.frames[0].locals == {"word": "'straße 🐍'"}
    assert trace.frames[1].source.endswith("# ünïcødé")
    assert trace.return_value == "'STRASSE 🐍‼'"


def test_crlf_file_gives_the_same_lines_and_sources_without_carriage_returns(write_py):
    source = """
    def twice(x):
        y = x * 2
        return y
    """
    crlf = write_py(source, "crlf.py", newline="\r\n")
    lf = write_py(source, "lf.py")

    crlf_trace = trace_call(path=str(crlf), function="twice", args="4")
    lf_trace = trace_call(path=str(lf), function="twice", args="4")

    assert b"\r\n" in crlf.read_bytes()
    assert crlf_trace.frames == lf_trace.frames
    assert [f.source for f in crlf_trace.frames][:2] == ["def twice(x):", "    y = x * 2"]


def test_decorated_function_call_frame_is_placed_on_its_def_line(trace_source):
    trace = trace_source(
        """
        import functools

        @functools.lru_cache(maxsize=None)
        def fib(n):
            return n if n < 2 else fib(n - 1) + fib(n - 2)
        """,
        "fib",
        "3",
    )

    calls = {f.source for f in trace.frames if f.event == "call"}
    assert calls == {"def fib(n):"}
    assert trace.return_value == "2"


def test_a_static_method_can_be_the_entry_point(trace_source):
    trace = trace_source(
        """
        class Maths:
            @staticmethod
            def double(x):
                return 2 * x
        """,
        "Maths.double",
        "21",
    )

    assert trace.return_value == "42"


def test_async_entry_function_is_run_to_completion(trace_source):
    trace = trace_source(
        """
        async def answer(x):
            y = x + 1
            return y
        """,
        "answer",
        "41",
    )

    assert trace.reason is EndReason.RETURNED
    assert trace.return_value == "42"


def test_main_guard_does_not_run_and_module_level_code_is_not_traced(trace_source):
    trace = trace_source(
        """
        print("loading")

        def one():
            return 1

        if __name__ == "__main__":
            print("main ran")
        """,
        "one",
    )

    assert trace.stdout == "loading\n"
    assert steps(trace) == [("call", 3), ("line", 4), ("return", 4)]


def test_source_text_with_a_path_imports_modules_beside_that_path(write_py):
    helper = write_py("def base():\n    return 40\n", "helper_mod.py")
    unsaved = "from helper_mod import base\n\ndef answer():\n    return base() + 2\n"

    trace = trace_call(unsaved, path=str(helper.with_name("main.py")), function="answer")

    assert trace.return_value == "42"
    assert not Path(helper.with_name("main.py")).exists()  # the text ran from a temp copy
    assert all(f.line in (3, 4) for f in trace.frames)  # helper_mod's frames are not traced
