#!/usr/bin/env bash
# Usage: bash scripts/test-all.sh   (or `npm test`; TEST_PG_PORT picks the PostgreSQL port, default 54329)
# `npm test`: every check, in order — typecheck, lint, unit tests, integration tests on SQLite and
# on a real PostgreSQL started here, unit and SQLite integration tests again with the clock a year
# ahead (faketime), the production build, Playwright in real Chromium, and two app instances on
# that PostgreSQL (playwright.multi.config.ts).
source "$(dirname "$0")/help.sh"
set -euo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1 CHECKPOINT_DISABLE=1
unset DATABASE_URL
bash scripts/ensure-deps.sh
# The test EHR's launcher (tests/ehr/smart-launcher) has packages and a lock file of its own.
[ -d tests/ehr/smart-launcher/node_modules/express ] || npm ci --prefix tests/ehr/smart-launcher --no-audit --no-fund --ignore-scripts --loglevel=error
# Outside test-results/, which Playwright empties when it starts.
results="$PWD/.test-reports"
rm -rf "$results" && mkdir -p "$results"
pg_port="${TEST_PG_PORT:-54329}"
cleanup() { bash scripts/pg-server.sh stop "$pg_port" || true; }
trap cleanup EXIT

step() { printf '\n=== %s ===\n' "$*"; }

step "typecheck"
npx tsc --noEmit -p .
step "lint"
npx eslint . --max-warnings=0

step "unit tests"
npx vitest run --project unit --reporter=default --reporter=json --outputFile="$results/unit.json"

step "integration tests on SQLite"
TEST_DATABASE=sqlite npx vitest run --project integration --reporter=default --reporter=json --outputFile="$results/integration-sqlite.json"

step "integration tests on PostgreSQL"
pg_url="$(bash scripts/pg-server.sh start "$pg_port")"
psql "$pg_url" -Atc "select 'PostgreSQL server: ' || version()"
TEST_DATABASE=postgresql TEST_PG_URL="$pg_url" npx vitest run --project integration --reporter=default --reporter=json --outputFile="$results/integration-postgresql.json"

# The same layers a year ahead of the real date (libfaketime): a test that depends on the day it
# runs fails here today rather than on main in a year. SKIP_SHIFTED: when this whole script is
# itself run shifted (scripts/test-shifted.sh OFFSET all).
if [ -z "${SKIP_SHIFTED:-}" ]; then
  step "unit and integration tests (SQLite) one year ahead (faketime +1y)"
  TEST_REPORTS="$results" bash scripts/test-shifted.sh +1y unit integration-sqlite
fi

step "production build"
npx next build

# The Playwright steps do not stop the run: the summary below counts their failures from their
# reports, and a step that failed without writing a report still fails the run.
failed_steps=()
step "end-to-end tests (Playwright, Chromium)"
PLAYWRIGHT_JSON_OUTPUT_NAME="$results/e2e.json" npx playwright test --reporter=list,json || failed_steps+=("end-to-end")

step "two app instances on one PostgreSQL (Playwright)"
MULTI_PG_URL="$pg_url" E2E_PORT="${MULTI_E2E_PORT:-3220}" PLAYWRIGHT_JSON_OUTPUT_NAME="$results/e2e-two-instances.json" \
  npx playwright test -c playwright.multi.config.ts --reporter=list,json || failed_steps+=("two instances")

step "summary"
summary_status=0
node scripts/test-summary.mjs "$results" || summary_status=$?
if [ "${#failed_steps[@]}" -gt 0 ]; then echo "failed steps: ${failed_steps[*]}"; exit 1; fi
exit "$summary_status"
