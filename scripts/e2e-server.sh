#!/usr/bin/env bash
# Usage: bash scripts/e2e-server.sh [port]   (default port 3210; DATABASE_URL to use another database)
# The server Playwright tests run against: a production build on a fresh demo database.
source "$(dirname "$0")/help.sh"
set -euo pipefail
cd "$(dirname "$0")/.."
port="${1:-3210}"
export NEXT_TELEMETRY_DISABLED=1 CHECKPOINT_DISABLE=1
export DATABASE_URL="${DATABASE_URL:-file:./data/e2e/app.db}"
export NEXTAUTH_URL="http://127.0.0.1:$port"
export NEXTAUTH_SECRET="${NEXTAUTH_SECRET:-e2e-only-secret-e2e-only-secret-0123456789}"
# The same audit key for the CLI that seeds and the server (docs/operations.md "Audit key").
export AUDIT_HMAC_KEY="${AUDIT_HMAC_KEY:-e2e-only-audit-key-e2e-only-audit-key-0123456789}"
# The key that encrypts EHR client secrets (docs/operations.md "EHR secret key"), also the same for the CLI.
export EHR_SECRET_KEY="${EHR_SECRET_KEY:-e2e-only-ehr-secret-key-e2e-only-ehr-secret-key-0123}"
if [[ "$DATABASE_URL" == file:* ]]; then rm -f "${DATABASE_URL#file:}"*; fi
npm run -s cli -- db migrate
npm run -s cli -- seed --reset --patients 1000 --seed 20261121
# A second clinic, for the checks that one clinic's users never reach another's patients.
npm run -s cli -- seed --slug other --reset --patients 20 --seed 7
[ -f .next/BUILD_ID ] || npx next build
exec node server.mjs -p "$port" -H 127.0.0.1
