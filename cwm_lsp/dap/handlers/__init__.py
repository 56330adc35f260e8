"""The adapter's request handlers, one module per DAP request family.

Each family is a small class over the shared
:class:`~cwm_lsp.dap.session_state.SessionState`; its ``requests()`` maps
DAP command names to handlers, which :class:`~cwm_lsp.dap.adapter.DebugAdapter`
merges into its routing table.
"""

from __future__ import annotations

from cwm_lsp.dap.handlers.edits import EditRequests
from cwm_lsp.dap.handlers.inspection import InspectionRequests
from cwm_lsp.dap.handlers.lifecycle import LifecycleRequests
from cwm_lsp.dap.handlers.movement import MovementRequests

__all__ = ["EditRequests", "InspectionRequests", "LifecycleRequests", "MovementRequests"]
