#!/usr/bin/env bash
# The VS Code extension's CI: clean install, type-check, lint, unit tests,
# package, and list what the .vsix holds. Run from anywhere.
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --no-fund --no-audit
npm run typecheck
npm run lint
npm test
npm run package
npx vsce ls --no-dependencies
