#!/usr/bin/env bash
# `npm test`: every check, in order — typecheck, lint, unit tests, integration tests on SQLite and
# on a real PostgreSQL started here, the production build, and Playwright in real Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1 CHECKPOINT_DISABLE=1
unset DATABASE_URL
bash scripts/ensure-deps.sh
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

step "production build"
npx next build

step "end-to-end tests (Playwright, Chromium)"
PLAYWRIGHT_JSON_OUTPUT_NAME="$results/e2e.json" npx playwright test --reporter=list,json

step "summary"
node scripts/test-summary.mjs "$results"
