#!/usr/bin/env bash
# `npm start`: the portal on embedded defaults. Frontend on :3000, backend on :7007,
# SQLite files under data/ (kept across restarts), and the sandbox Kubernetes and Keycloak
# simulators when app-config selects them (`sandbox.enabled`). Ctrl-C stops everything.
#
# A second portal next to a running one (the browser tests do this) moves every port:
# APP_CONFIG_app_baseUrl, APP_CONFIG_backend_baseUrl, APP_CONFIG_backend_listen_port and
# APP_CONFIG_backend_cors_origin for the portal, ML_PLATFORM_SANDBOX_K8S_PORT and
# ML_PLATFORM_SANDBOX_KEYCLOAK_PORT for the sandbox (its CLI reads them), and
# ML_PLATFORM_DATA_DIR for the data. The backend follows the sandbox ports unless
# ML_PLATFORM_K8S_URL / ML_PLATFORM_KEYCLOAK_URL point elsewhere.
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
  # app-config reads these URLs (default :6443 and :8180, the sandbox's own defaults).
  if [ -n "${ML_PLATFORM_SANDBOX_K8S_PORT:-}" ]; then
    export ML_PLATFORM_K8S_URL="${ML_PLATFORM_K8S_URL:-http://127.0.0.1:$ML_PLATFORM_SANDBOX_K8S_PORT}"
    # The sandbox's Helm repositories live on the same port (mlTools.deploy.chartRepositories).
    export ML_PLATFORM_CHARTS_URL="${ML_PLATFORM_CHARTS_URL:-http://127.0.0.1:$ML_PLATFORM_SANDBOX_K8S_PORT/charts}"
  fi
  if [ -n "${ML_PLATFORM_SANDBOX_KEYCLOAK_PORT:-}" ]; then
    export ML_PLATFORM_KEYCLOAK_URL="${ML_PLATFORM_KEYCLOAK_URL:-http://127.0.0.1:$ML_PLATFORM_SANDBOX_KEYCLOAK_PORT}"
  fi
  # Charts of built-in blueprints that no contract data can cover, served unchecked.
  mapfile -t unchecked < <(node --require @backstage/cli/config/nodeTransform.cjs scripts/unchecked-charts.ts)
  set -m
  node --require @backstage/cli/config/nodeTransform.cjs packages/sandbox/src/cli.ts \
    --state-file "$ML_PLATFORM_DATA_DIR/sandbox/state.json" "${unchecked[@]}" &
  pids+=($!)
  set +m
fi

set -m
backstage-cli repo start "$@" &
pids+=($!)
set +m
wait "${pids[-1]}"
