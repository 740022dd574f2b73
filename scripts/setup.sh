#!/usr/bin/env bash
# One set-up step shared by `npm start` (scripts/start.sh) and `npm test` (scripts/test.sh):
# Node 22 (installed into .tools/ when the machine's Node is older), the Debian packages the
# tests need (when running as root and they are missing), and `npm ci` whenever
# package-lock.json changed since the last install. Safe to run repeatedly.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$REPO_ROOT"
mkdir -p "$TOOLS_DIR"

want_debian_packages() {
  local missing=()
  [ -x /usr/lib/postgresql/15/bin/initdb ] || missing+=(postgresql)
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      echo "[setup] installing Debian packages: ${missing[*]}"
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
      echo "[setup] missing Debian packages (${missing[*]}); the PostgreSQL and browser tests need them" >&2
    fi
  fi
}

if [ "${1:-}" = "--with-test-deps" ]; then
  want_debian_packages
fi

stamp="node_modules/.ml-platform-install-stamp"
lock_hash="$(sha256sum package-lock.json | cut -d' ' -f1)-$(node --version)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_hash" ]; then
  # `npm install` rather than `npm ci`: the registry reachable here lacks some other
  # platforms' optional binaries (e.g. @swc/core-darwin-arm64), so the lock cannot list them
  # and `npm ci` rejects it as out of sync. With a lock present, install resolves the same
  # versions.
  echo "[setup] installing npm dependencies (first run takes about 5 minutes)"
  # The lock serialises installs when several shells share one checkout.
  if ! flock /tmp/ml-npm.lock npm install --no-audit --no-fund --loglevel=error > "$TOOLS_DIR/npm-install.log" 2>&1; then
    grep -v 'config "nodedir"' "$TOOLS_DIR/npm-install.log" >&2
    echo "[setup] npm install failed" >&2
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
