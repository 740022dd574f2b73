#!/usr/bin/env bash
# `npm run check:charts -- <folder of chart sources> [--blueprint <id>] [--objects]`
# Renders every built-in blueprint with the real Helm against chart sources checked out in
# that folder (never committed) and checks that every workload the blueprint's health waits
# for is rendered. See scripts/check-charts.ts.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$REPO_ROOT"
HELM_BIN="$(bash scripts/helm.sh)"
export HELM_BIN
exec node --require @backstage/cli/config/nodeTransform.cjs scripts/check-charts.ts "$@"
