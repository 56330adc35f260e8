"""The debug adapter: step through imagined execution, beside debugpy's real execution.

:func:`serve_connection` speaks DAP on one pair of streams; the language
server hosts it on a private endpoint with its own model thread, and
``cwm-lsp dap`` runs it on stdio (:mod:`cwm_lsp.dap.stdio`).
"""

from __future__ import annotations

from cwm_lsp.dap.server import serve_connection

__all__ = ["serve_connection"]
