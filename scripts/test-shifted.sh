#!/usr/bin/env bash
# Runs test layers with the machine's clock moved (libfaketime), to prove that no test depends on
# the day it runs (docs/testing.md#time-is-an-input).
#   scripts/test-shifted.sh OFFSET LAYER…
#     OFFSET  a libfaketime spec: "+1y", "+183d", "-30d", or "@2027-09-26 01:52:00" (start there and
#             run on); with TZ=… set, the clock and the calendar are that zone's
#     LAYER   unit | integration-sqlite | integration-postgresql | e2e (Playwright; E2E_SPECS="a b"
#             narrows it to some spec files) | all (the whole `npm test`)
# Reports go to $TEST_REPORTS (default .test-reports/) as <layer>-shifted.json.
source "$(dirname "$0")/help.sh"
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 2 ]; then
  echo "usage: bash scripts/test-shifted.sh OFFSET LAYER… (bash scripts/test-shifted.sh --help)" >&2
  exit 2
fi
# Dependencies are installed on the real clock: make and TLS certificates do not like a moved one.
bash scripts/ensure-deps.sh
lib="$(ls /usr/lib/*/faketime/libfaketimeMT.so.1 2>/dev/null | head -1 || true)"
[ -n "$lib" ] || { echo "test-shifted: libfaketime is not installed (apt-get install -y faketime)" >&2; exit 1; }
offset="$1"; shift
results="${TEST_REPORTS:-$PWD/.test-reports}"
mkdir -p "$results"
export NEXT_TELEMETRY_DISABLED=1 CHECKPOINT_DISABLE=1
# "@<local date and time>" becomes an offset in seconds from now, so that every process — the
# test runners, the app servers, Chromium and PostgreSQL, started at different moments — reads
# the same shifted clock without sharing state (the `faketime` wrapper's "start at" clock lives in
# shared memory that a server running as the postgres user may not open).
case "$offset" in
  @*) target="$(date -d "${offset#@}" +%s)" || exit 2; offset="$(printf '%+d' $((target - $(date +%s))))" ;;
esac
export LD_PRELOAD="$lib${LD_PRELOAD:+:$LD_PRELOAD}" FAKETIME="$offset"
# Timers and timeouts keep real time: only the wall clock moves.
export FAKETIME_DONT_FAKE_MONOTONIC=1
echo "Clock for these tests: $(date '+%Y-%m-%d %H:%M:%S %Z') = $(date -u '+%Y-%m-%d %H:%M:%S UTC') (FAKETIME=$offset, TZ=${TZ:-unset})"

pg_port="${SHIFTED_PG_PORT:-54339}"
read -r -a E2E_SPECS <<< "${E2E_SPECS:-}"
for layer in "$@"; do
  case "$layer" in
    unit)
      npx vitest run --project unit --reporter=dot --reporter=json --outputFile="$results/unit-shifted.json" ;;
    integration-sqlite)
      TEST_DATABASE=sqlite npx vitest run --project integration --reporter=dot --reporter=json --outputFile="$results/integration-sqlite-shifted.json" ;;
    integration-postgresql)
      # The server runs on the same shifted clock, as a database on the same host would.
      trap 'bash scripts/pg-server.sh stop "$pg_port" || true' EXIT
      pg_url="$(bash scripts/pg-server.sh start "$pg_port")"
      TEST_DATABASE=postgresql TEST_PG_URL="$pg_url" npx vitest run --project integration --reporter=dot --reporter=json --outputFile="$results/integration-postgresql-shifted.json"
      bash scripts/pg-server.sh stop "$pg_port"; trap - EXIT ;;
    e2e)
      npx next build
      PLAYWRIGHT_JSON_OUTPUT_NAME="$results/e2e-shifted.json" npx playwright test --reporter=list,json "${E2E_SPECS[@]}" ;;
    all)
      SKIP_SHIFTED=1 bash scripts/test-all.sh ;;
    *) echo "test-shifted: unknown layer \"$layer\" (unit, integration-sqlite, integration-postgresql, e2e, all)" >&2; exit 2 ;;
  esac
done
