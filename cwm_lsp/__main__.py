"""``python -m cwm_lsp``: the same as the ``cwm-lsp`` command."""

from cwm_lsp.cli import main

raise SystemExit(main())
