; Definitions that make scopes: functions (incl. async defs and methods),
; classes and lambdas.  Used by cwm_lsp/source/outline.py together with
; python-bindings.scm (one pass over the tree).

(function_definition
  name: (identifier)) @function

(class_definition
  name: (identifier)) @class

(lambda) @lambda
