"""What the traced source itself says about its execution, from ``ast`` alone.

Which lines can run next (:mod:`~cwm_lsp.analysis.flow`), which locals a line
can change (:mod:`~cwm_lsp.analysis.effects`), a ``for`` loop's items
(:mod:`~cwm_lsp.analysis.loops`), exceptions a line's arithmetic makes certain
(:mod:`~cwm_lsp.analysis.faults`), evidence that a loop never ends
(:mod:`~cwm_lsp.analysis.termination`), methods and their receivers
(:mod:`~cwm_lsp.analysis.receivers`), the kind of value each parameter takes
(:mod:`~cwm_lsp.analysis.param_annotations`, :mod:`~cwm_lsp.analysis.param_usage`),
binding call arguments to a signature
(:mod:`~cwm_lsp.analysis.binding`), and one cached index of a file's functions
(:mod:`~cwm_lsp.analysis.source_index`).  No code of the file runs.  This room
imports nothing but the standard library and :mod:`cwm_lsp.trace`.
"""
