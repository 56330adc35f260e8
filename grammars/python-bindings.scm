; Places that bind a name in the enclosing scope.  Used by cwm_lsp/source/bindings.py.
;   @target      a binding target: an identifier or a pattern whose identifiers
;                are bound (attributes and subscripts inside are skipped)
;   @definition  the name of a nested def / class (binds in the enclosing scope)
;   @declared    names declared `global` / `nonlocal` (not locals)

(assignment left: (_) @target)
(augmented_assignment left: (_) @target)
(for_statement left: (_) @target)
(for_in_clause left: (_) @target)
(as_pattern alias: (as_pattern_target (_) @target))
(named_expression name: (identifier) @target)

; import a.b -> a ; import a.b as c -> c ; from m import x as y -> y
(import_statement name: (dotted_name . (identifier) @target))
(import_statement name: (aliased_import alias: (identifier) @target))
(import_from_statement name: (dotted_name . (identifier) @target))
(import_from_statement name: (aliased_import alias: (identifier) @target))

; match/case capture patterns
(case_pattern (dotted_name . (identifier) @target .))
(keyword_pattern (dotted_name . (identifier) @target .))
(splat_pattern (identifier) @target)
(case_pattern (as_pattern (identifier) @target .))

(function_definition name: (identifier) @definition)
(class_definition name: (identifier) @definition)

(global_statement (identifier) @declared)
(nonlocal_statement (identifier) @declared)
