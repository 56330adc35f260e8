"""Evaluation: how closely imagined execution matches real execution.

``cwm-lsp eval`` runs CRUXEval-format rows (``code``, ``input``, ``output``,
``id``) through the real tracer and the model, scores the imagined trace
against the real one (:mod:`.metrics`), asks the same model for the output
directly as a baseline (:mod:`.direct`), and writes JSON lines, a markdown
summary and plots (:mod:`.report`, :mod:`.plots`).
"""
