"""The prompt formats: how a trace is written for a model and read back, under constraints.

- :mod:`~cwm_lsp.formats.native`: CWM's own trace tokens (the real CWM and
  models that hold its vocabulary), frames parsed by the trace codec.
- :mod:`~cwm_lsp.formats.generic`: numbered text frames for any other model,
  decoded under byte-level constraints (:mod:`~cwm_lsp.formats.constraints`,
  the Python-repr value grammar :mod:`~cwm_lsp.formats.literal`) and the
  source's rules (:mod:`~cwm_lsp.formats.generic_rules`), with few-shot
  examples (:mod:`~cwm_lsp.formats.fewshot`).

Formats speak to an engine only through :class:`cwm_lsp.engine.Engine`; they
never import llama-cpp-python.
"""
