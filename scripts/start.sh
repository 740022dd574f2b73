#!/usr/bin/env bash
# `npm start`: the portal on embedded defaults. Frontend on :3000, backend on :7007,
# SQLite files under data/ (kept across restarts), and the sandbox Kubernetes and Keycloak
# simulators when app-config selects them (`sandbox.enabled`). Ctrl-C stops everything.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$REPO_ROOT"
bash scripts/setup.sh

export ML_PLATFORM_DATA_DIR="${ML_PLATFORM_DATA_DIR:-$REPO_ROOT/data}"
mkdir -p "$ML_PLATFORM_DATA_DIR/sqlite"

pids=()
cleanup() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT

sandbox_enabled="$(node -e "
  const fs = require('fs'); const { parse } = require('yaml');
  let on = false;
  for (const f of ['app-config.yaml', 'app-config.local.yaml']) {
    if (!fs.existsSync(f)) continue;
    const c = parse(fs.readFileSync(f, 'utf8')) || {};
    if (c.sandbox && typeof c.sandbox.enabled === 'boolean') on = c.sandbox.enabled;
  }
  process.stdout.write(String(on));
")"
if [ "$sandbox_enabled" = true ] && [ -f packages/sandbox/src/cli.ts ]; then
  set -m
  node --require @backstage/cli/config/nodeTransform.cjs packages/sandbox/src/cli.ts \
    --state-file "$ML_PLATFORM_DATA_DIR/sandbox/state.json" &
  pids+=($!)
  set +m
fi

set -m
backstage-cli repo start "$@" &
pids+=($!)
set +m
wait "${pids[-1]}"
