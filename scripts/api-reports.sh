#!/usr/bin/env bash
# API reports (`report.api.md`) of every published package, by `backstage-repo-tools
# api-reports` (API Extractor). `npm run api-reports` rewrites them after an API change;
# `--ci` (what `npm test` runs) fails when a report is out of date instead.
#   bash scripts/api-reports.sh [--ci] [repo-tools options] [package paths...]
# repo-tools' own `--tsc` runs `yarn tsc`; this repo uses npm, so the declarations it
# reads (dist-types/, ignored by git) are emitted here with the same flags.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$REPO_ROOT"
# Options go to repo-tools; without package paths, every package that is not private
# (repo-tools would otherwise take the private app, backend and test suites too).
options=() paths=()
for arg in "$@"; do
  case "$arg" in -*) options+=("$arg") ;; *) paths+=("$arg") ;; esac
done
if [ ${#paths[@]} -eq 0 ]; then
  for dir in packages/*/ plugins/*/; do
    dir="${dir%/}"
    [ -f "$dir/package.json" ] || continue
    if node -e 'process.exit(require(`./${process.argv[1]}/package.json`).private ? 1 : 0)' "$dir"; then
      paths+=("$dir")
    fi
  done
fi
rm -rf dist-types
tsc --skipLibCheck false --incremental false
# Every export carries a release tag and a line of TSDoc (API Extractor fails on a missing
# tag or a forgotten export); documenting each member of every interface is not required.
# Workspace packages point `types` at their sources, which API Extractor flags when one
# package's declarations reach into another's (ae-wrong-input-file-type): not an API issue.
# The frontend plugin's legacy component extensions and the sandbox still have forgotten
# exports that API Extractor reports; their reports are kept and checked, warnings allowed.
backstage-repo-tools api-reports -o ae-undocumented,ae-wrong-input-file-type \
  --allow-warnings plugins/ml-tools,packages/sandbox "${options[@]}" "${paths[@]}"
