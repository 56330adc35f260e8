"""A training corpus of real traces, never from a benchmark.

Small functions come from a seeded program generator (:mod:`.generator`,
composed from statement recipes) and, optionally, from doctests of real
code (:mod:`.doctests`); each is traced for real by :mod:`cwm_lsp.trace`
(:mod:`.tracing`) and written as a JSON line (:mod:`.records`) by
:mod:`.build`.  :mod:`.decontam` reports corpus functions that duplicate,
exactly or nearly, those of a CRUXEval-format file.  This package imports
only the standard library and :mod:`cwm_lsp.trace`.
"""
