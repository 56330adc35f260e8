#!/usr/bin/env bash
# Run every check and test of cwm-lsp (after scripts/setup.sh):
#
#   bash scripts/test.sh
#
# Lint and types, the Python tests (real llama.cpp, real server, real debugpy,
# headless Neovim), the DAP client suite under node --test, and the VS Code
# extension's type-check, lint, unit tests and packaging, and the extension in
# a real VS Code (code-server under headless Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."

.venv/bin/ruff check cwm_lsp tests scripts
.venv/bin/mypy
.venv/bin/python -m pytest -q "$@"

if [ -f tests/dap_node/package.json ]; then
    (cd tests/dap_node && npm test)
fi
# The extension's own CI: npm ci, tsc --noEmit, eslint, unit tests, vsce package, vsce ls.
bash editor/vscode/scripts/ci.sh
# The extension in a real VS Code: the .vsix in code-server under headless
# Chromium, with the real server and the default model (editor/vscode/e2e/).
bash editor/vscode/scripts/e2e.sh
