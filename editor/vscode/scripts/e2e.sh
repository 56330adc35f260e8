#!/usr/bin/env bash
# The extension's end-to-end suite: the freshly built .vsix in a real VS Code
# (code-server) under headless Chromium, with the real cwm-lsp server and the
# real default model. Needs scripts/setup.sh (which runs install-e2e.sh).
# Run from anywhere; screenshots land in editor/vscode/e2e/artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-fund --no-audit
bash scripts/install-e2e.sh
npm run --silent package >/dev/null
npx tsc --noEmit -p e2e
node scripts/build-e2e.mjs
node --test --test-concurrency=1 --test-reporter=spec "$@" e2e/out/*.e2e.js
