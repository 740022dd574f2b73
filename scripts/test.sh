#!/usr/bin/env bash
# `npm test`: every test, after the same set-up as `npm start`.
#   1. type check (tsc), lint, and the API reports of the published packages
#   2. unit and contract tests (jest through backstage-cli, every workspace)
#   3. the backend on a real PostgreSQL (node:test, test/postgres)
#   4. the portal in a real headless Chromium (node:test, test/e2e)
#   5. the backend's log in a quiet 3-minute run: no warning may repeat (test/quiet)
#   6. a quick run of every benchmark in test/bench (BENCH_QUICK=1), so they cannot rot
# Each step's own counts are printed; the last line sums them up.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$REPO_ROOT"
bash scripts/setup.sh --with-test-deps || exit 1

export CI="${CI:-true}" # backstage-cli test would otherwise start in watch mode
results_dir="$REPO_ROOT/test-results"
mkdir -p "$results_dir"
passed=0
failed=0
failed_steps=()

run_step() {
  local name="$1"; shift
  local log="$results_dir/$name.log"
  echo
  echo "=== $name: $*"
  local start=$SECONDS
  "$@" 2>&1 | grep -v 'Unknown \(env\|user\) config "nodedir"' | tee "$log"
  local status=${PIPESTATUS[0]}
  echo "=== $name: exit $status in $((SECONDS - start)) s"
  if [ "$status" -ne 0 ]; then failed_steps+=("$name"); fi
  return 0
}

count_jest() { # "Tests:       3 failed, 120 passed, 123 total"
  local line; line=$(grep -E '^Tests: ' "$results_dir/$1.log" | tail -n 1)
  passed=$((passed + $(sed -nE 's/.* ([0-9]+) passed.*/\1/p' <<<"$line" | head -n1 || echo 0) + 0))
  failed=$((failed + $(sed -nE 's/.* ([0-9]+) failed.*/\1/p' <<<"$line" | head -n1 || echo 0) + 0))
}
count_node() { # "# pass 3" / "# fail 0"
  passed=$((passed + $(sed -nE 's/^# pass ([0-9]+)$/\1/p' "$results_dir/$1.log" | tail -n1) + 0))
  failed=$((failed + $(sed -nE 's/^# fail ([0-9]+)$/\1/p' "$results_dir/$1.log" | tail -n1) + 0))
}

run_step typecheck tsc --noEmit
run_step lint backstage-cli repo lint
# Fails when a package's public API changed without its report (`npm run api-reports`).
run_step api-reports bash scripts/api-reports.sh --ci
run_step unit backstage-cli repo test --maxWorkers=2
count_jest unit
run_step postgres node --test --test-concurrency=1 test/postgres/*.pg.mts
count_node postgres
run_step browser node --test --test-concurrency=1 test/e2e/*.e2e.mts
count_node browser
run_step quiet-log node --test --test-concurrency=1 test/quiet/*.quiet.mts
count_node quiet-log
if compgen -G "test/bench/*.bench.ts" >/dev/null; then
  for bench in test/bench/*.bench.ts; do
    run_step "bench-$(basename "$bench" .bench.ts)" env BENCH_QUICK=1 \
      node --require @backstage/cli/config/nodeTransform.cjs "$bench"
  done
fi

echo
if [ ${#failed_steps[@]} -gt 0 ]; then
  echo "FAILED steps: ${failed_steps[*]} (logs in test-results/)"
  echo "tests: $passed passed, $((failed > 0 ? failed : 1)) failed"
  exit 1
fi
echo "tests: $passed passed, $failed failed"
