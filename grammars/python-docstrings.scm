; A function's docstring: the first statement of its body, a lone string.
; Used by cwm_lsp/source/doctests.py.

(function_definition
  body: (block
    .
    (expression_statement
      .
      (string) @docstring .))) @function
