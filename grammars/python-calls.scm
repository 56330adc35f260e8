; Calls whose callee is a plain name `f(...)` or an attribute `obj.f(...)`;
; the name a call is indexed under is the identifier / the attribute's name.
; Used by cwm_lsp/source/calls.py.

(call
  function: [
    (identifier)
    (attribute attribute: (identifier))
  ]
  arguments: (argument_list)) @call
