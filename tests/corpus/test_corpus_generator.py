"""The program generator: deterministic, valid, varied, small functions with fitting inputs."""

from __future__ import annotations

import ast
import os
import subprocess
import sys

from cwm_lsp.corpus.cleanup import defs
from cwm_lsp.corpus.generator import MAX_LINES, MIN_LINES, Program, generate_program
from cwm_lsp.corpus.stats import kind_counts
from cwm_lsp.trace.tracer import parse_call_args

COMPOUND = (ast.If, ast.For, ast.While, ast.Try)


def entry(program: Program) -> ast.FunctionDef:
    function = ast.parse(program.source).body[-1]
    assert isinstance(function, ast.FunctionDef)
    return function


def test_the_same_seed_and_index_give_the_same_program_byte_for_byte():
    assert [generate_program(7, i) for i in range(20)] == [
        generate_program(7, i) for i in range(20)
    ]


def test_other_seeds_and_indexes_give_other_programs():
    sources = {generate_program(seed, i).source for seed in (0, 1) for i in range(30)}

    assert len(sources) == 60


def test_every_program_parses_and_its_last_function_is_the_entry(programs):
    for program in programs:
        assert entry(program).name == program.function


def test_entry_functions_have_3_to_15_lines(programs):
    lengths = [len(ast.unparse(entry(p)).splitlines()) for p in programs]

    assert all(MIN_LINES <= n <= MAX_LINES for n in lengths)
    assert max(lengths) > 8  # not all tiny


def test_every_parameter_is_read_and_every_helper_is_called(programs):
    for program in programs:
        functions = [n for n in ast.parse(program.source).body if isinstance(n, ast.FunctionDef)]
        for function in functions:
            read = {n.id for n in ast.walk(function) if isinstance(n, ast.Name)}
            assert {a.arg for a in function.args.args} <= read, program.source
        called = {n.id for n in ast.walk(functions[-1]) if isinstance(n, ast.Name)}
        assert {f.name for f in functions[:-1]} <= called, program.source


def test_the_args_fit_the_signature(programs):
    for program in programs:
        function = entry(program)
        args = parse_call_args(program.args, program.function)
        names = [a.arg for a in function.args.args]
        required = len(names) - len(function.args.defaults)
        assert required <= len(args.positional) + len(args.keywords) <= len(names)
        assert all(name in names for name, _ in args.keywords)
        for text in (*args.positional, *(value for _, value in args.keywords)):
            ast.literal_eval(text)  # plain values, nothing to evaluate


def test_function_and_variable_names_vary(programs):
    names = {p.function for p in programs}
    variables = {
        n.id for p in programs for n in ast.walk(ast.parse(p.source)) if isinstance(n, ast.Name)
    }

    assert len(names) > 60
    assert len(variables) > 150


def test_100_programs_use_many_kinds_of_statement(programs):
    kinds = kind_counts(p.source for p in programs)

    assert len(kinds) >= 60
    for expected in (
        "For", "While", "If", "elif", "Try", "except-as", "AugAssign", "Raise",
        "ListComp", "DictComp", "GeneratorExp", "IfExp", "Slice", "helper-call",
        "method:split", "method:join", "method:append", "method:get", "method:pop",
        "method:replace", "method:count", "method:index", "method:isdigit",
        "builtin:len", "builtin:sorted", "builtin:int", "builtin:range",
    ):  # fmt: skip
        assert kinds[expected] > 0, expected
    # no construct takes over: loops and branches each appear in a good share
    assert kinds["For"] + kinds["While"] >= 25
    assert kinds["If"] >= 30


def test_programs_do_not_depend_on_the_interpreters_hash_seed():
    script = (
        "from cwm_lsp.corpus.generator import generate_program as g\n"
        "print(repr([g(0, i) for i in range(30)]))\n"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2")
    }

    assert len(outputs) == 1


def test_no_for_loop_changes_what_it_iterates_over(programs):
    for program in programs:
        for loop in ast.walk(ast.parse(program.source)):
            if not isinstance(loop, ast.For):
                continue
            iterated = {n.id for n in ast.walk(loop.iter) if isinstance(n, ast.Name)}
            body = ast.Module(body=loop.body, type_ignores=[])
            for stmt in ast.walk(body):
                if isinstance(stmt, ast.stmt) and not isinstance(stmt, COMPOUND):
                    assert not defs(stmt) & iterated, program.source
