"""GBNF grammars, for a server, of what the formats' constraints admit next.

A remote engine (:mod:`cwm_lsp.engine.remote`) asks its server for a run of
tokens under a grammar, then checks each token against the format's own
constraint, the one the in-process engine applies.  So a grammar here must
admit *every* text the constraint admits from its current state (it may
admit more: the constraint refuses the extra, at the cost of one more
request).  Each function returns None where no grammar says the state; the
server then proposes without one.

What the grammars say and what they cannot (the constraint still applies):

- the event (:class:`ChoiceMachine`) and the line number
  (:class:`NumberMachine`): exactly;
- the locals (:class:`LocalsMachine`): the names the line can change, ``=``,
  a value, ``, `` or ``} ``; not that each name comes at most once, not that
  a written value differs from the one the local has, not the length cap,
  and not the token boundaries the constraint imposes at a name (the tokens
  there must spell a prefix of ``name=``: a token such as ``='`` that runs
  from the name into the value is the grammar's but not the constraint's);
- values (:mod:`cwm_lsp.formats.literal`): balanced brackets, quotes,
  ``<...>`` reprs, no space or separator at the top level; not which words
  are values (``None``, numbers, constructors);
- a return's value (:class:`LineValueMachine`): a line that does not start
  with a space;
- a native CWM frame: the event tokens or the end of the trace, then any
  tokens up to ``<|frame_sep|>``, by token id.
"""

from __future__ import annotations

from collections.abc import Iterable

from cwm_lsp.engine.remote import gbnf_literal
from cwm_lsp.formats.constraints import (
    ChoiceMachine,
    LineValueMachine,
    LocalsMachine,
    Machine,
    NumberMachine,
)

#: Python reprs, as a superset of what :func:`cwm_lsp.formats.literal.literal_step` admits.
VALUE_RULES = r"""
value ::= item+
item ::= [^ ,}()\[\]{<>'"\n] | group | str | angle
group ::= "(" inner* ")" | "[" inner* "]" | "{" inner* "}"
inner ::= [^()\[\]{}<'"\n] | group | str | angle
angle ::= "<" achar* ">"
achar ::= [^<>\n] | angle
str ::= "'" sq* "'" | "\"" dq* "\""
sq ::= [^'\\\n] | "\\" [^\n]
dq ::= [^"\\\n] | "\\" [^\n]
"""


def _alternatives(options: Iterable[bytes]) -> str:
    return " | ".join(sorted(gbnf_literal(o) for o in set(options)))


def machine_grammar(machine: Machine, *, literal: bool = True) -> str | None:
    """The grammar of what ``machine`` admits from its current state (None: none says it)."""
    if machine.done:
        return None
    if isinstance(machine, ChoiceMachine):
        rest = [o[len(machine.buf) :] for o in machine.options_all if o.startswith(machine.buf)]
        rest = [r for r in rest if r]
        return f"root ::= {_alternatives(rest)}" if rest else None
    if isinstance(machine, NumberMachine):
        rest = [n[len(machine.buf) :] for n in machine.numbers if n.startswith(machine.buf)]
        return f'root ::= ({_alternatives(rest)}) ":"' if rest else None
    if isinstance(machine, LocalsMachine):
        return _locals_grammar(machine) if literal and machine.literal else None
    if isinstance(machine, LineValueMachine):
        if not literal or machine.lit is None or machine.buf:
            return None
        return 'root ::= value "\\n"\n' + VALUE_RULES
    return None


def _locals_grammar(machine: LocalsMachine) -> str | None:
    state = machine.state
    names = [n for n in machine.names if n.decode() not in state.used]
    tail = 'tail ::= ("," " " pair)* "} "'
    all_names = _alternatives(machine.names) or '""'
    pair = f'pair ::= name "=" value\nname ::= {all_names}'
    if state.mode == "name0" and not state.used:
        start = 'root ::= "} " | pair tail' if machine.names else 'root ::= "} "'
    elif state.mode in ("name0", "name"):
        rest = [n[len(state.buf) :] for n in names if n.startswith(state.buf)]
        if not rest:
            return None
        start = f"root ::= ({_alternatives(r + b'=' for r in rest)}) value tail"
    elif state.mode == "value0":
        start = "root ::= value tail"
    elif state.mode == "sep":
        start = 'root ::= " " pair tail'
    elif state.mode == "after":
        start = 'root ::= " "'
    else:
        return None  # inside a value: the rest depends on the brackets open now
    return "\n".join((start, tail, pair, VALUE_RULES))


def native_frame_grammar(
    events: Iterable[int] | None, end_tokens: Iterable[int], frame_sep: int
) -> str:
    """One native frame by token id: an event token (``events`` None: it is forced
    already) or the end of the trace, then any tokens up to ``<|frame_sep|>``.

    The empty alternative lets an end-of-generation token come first, as the
    in-process constraint does (llama.cpp admits those only where the grammar
    may end)."""
    body = f"body ::= (!<[{frame_sep}]>)* <[{frame_sep}]>"
    if events is None:
        return f"root ::= body\n{body}"
    starts = [f"<[{e}]> body" for e in sorted(set(events))]
    starts += [f"<[{t}]>" for t in sorted(set(end_tokens))]
    return f"root ::= ({' | '.join(starts)})?\n{body}"
