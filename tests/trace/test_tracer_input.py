"""The real tracer rejects bad input with one clear TraceInputError, before running anything."""

from __future__ import annotations

import pytest

from cwm_lsp.trace.tracer import CallArgs, TraceInputError, parse_call_args, trace_call

ONE = "def f(x):\n    return x\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", CallArgs()),
        ("()", CallArgs()),
        ("1, 2", CallArgs(("1", "2"))),
        ("(1, 2)", CallArgs(("1", "2"))),
        ("'x'", CallArgs(("'x'",))),
        ("[1, 2]", CallArgs(("[1, 2]",))),
        ("((1, 2),)", CallArgs(("(1, 2)",))),
        ("f(1, y=2)", CallArgs(("1",), (("y", "2"),))),
        ("1, y=2", CallArgs(("1",), (("y", "2"),))),
        ("dict(a=1)", CallArgs(("dict(a=1)",))),  # a call of another name is one argument
    ],
)
def test_args_text_is_read_as_a_tuple_of_arguments_or_a_call(text, expected):
    assert parse_call_args(text, "f") == expected


def test_a_call_expression_may_name_a_method_by_its_last_part():
    assert parse_call_args("Box.size(3)", "Box.size") == CallArgs(("3",))
    assert parse_call_args("size(3)", "Box.size") == CallArgs(("3",))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1, (", "cannot parse the args"),
        ("*xs", "starred args are not supported"),
        ("f(*xs)", "starred args are not supported"),
        ("f(**kw)", "**-args are not supported"),
    ],
)
def test_unparsable_args_are_rejected_before_running(text, message):
    with pytest.raises(TraceInputError, match=message.replace("*", r"\*")):
        trace_call(ONE, function="f", args=text)


def test_a_missing_file_is_rejected(tmp_path):
    with pytest.raises(TraceInputError, match="no such file"):
        trace_call(path=str(tmp_path / "nope.py"), function="f")


def test_a_syntax_error_is_rejected_with_its_line(write_py):
    path = write_py("def f(:\n    pass\n")

    with pytest.raises(TraceInputError, match=r"prog\.py:1: syntax error"):
        trace_call(path=str(path), function="f")


def test_an_unknown_function_is_rejected_naming_the_ones_defined():
    with pytest.raises(TraceInputError, match=r"no function 'g' .*defined there: f"):
        trace_call(ONE, function="g")


def test_an_unknown_method_is_rejected():
    with pytest.raises(TraceInputError, match=r"no function 'A\.b' in A"):
        trace_call("class A:\n    pass\n", function="A.b")


def test_args_that_fail_to_evaluate_are_rejected_with_the_error():
    with pytest.raises(TraceInputError, match="NameError: name 'undefined_name' is not defined"):
        trace_call(ONE, function="f", args="undefined_name")


def test_an_interpreter_that_cannot_start_is_rejected():
    with pytest.raises(TraceInputError, match="cannot start"):
        trace_call(ONE, function="f", args="1", python="/no/such/python")


def test_error_messages_are_one_line():
    with pytest.raises(TraceInputError) as caught:
        trace_call("def f(:\n", function="f")

    assert "\n" not in str(caught.value)
