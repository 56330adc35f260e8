"""cwm-lsp: a neural debugger for Python in the editor."""

__version__ = "0.1.0"
