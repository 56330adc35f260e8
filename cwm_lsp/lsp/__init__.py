"""The language server: one module per feature, each a
:class:`~cwm_lsp.lsp.feature.LanguageFeature`, wired in :mod:`cwm_lsp.lsp.server`."""

from cwm_lsp.lsp.server import CwmLanguageServer, create_server

__all__ = ["CwmLanguageServer", "create_server"]
