#!/usr/bin/env bash
# API reports (`report.api.md`) of every published package, by `backstage-repo-tools
# api-reports` (API Extractor). `npm run api-reports` rewrites them after an API change;
# `--ci` (what `npm test` runs) fails when a report is out of date instead.
#   bash scripts/api-reports.sh [--ci] [package paths...]
# repo-tools' own `--tsc` runs `yarn tsc`; this repo uses npm, so the declarations it
# reads (dist-types/, ignored by git) are emitted here with the same flags.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$REPO_ROOT"
rm -rf dist-types
tsc --skipLibCheck false --incremental false
backstage-repo-tools api-reports "$@"
