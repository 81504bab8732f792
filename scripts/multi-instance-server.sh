#!/usr/bin/env bash
# One of two app instances on one PostgreSQL database, for tests/e2e-multi (playwright.multi.config.ts):
#   scripts/multi-instance-server.sh primary   <port> <admin-url> <database>
#   scripts/multi-instance-server.sh secondary <port> <admin-url> <database> <primary-port>
# The primary creates the database afresh, migrates and seeds it, then serves; the secondary waits
# for the primary, runs the same migration command (a no-op under the migration lock: migrations run
# once however many instances start) and serves the same database. Both share NEXTAUTH_SECRET, as
# instances behind a load balancer must (docs/deployment.md).
source "$(dirname "$0")/help.sh"
set -euo pipefail
cd "$(dirname "$0")/.."
role="${1:?primary|secondary}" port="${2:?port}" admin_url="${3:?PostgreSQL admin URL}" database="${4:?database name}"
export NEXT_TELEMETRY_DISABLED=1 CHECKPOINT_DISABLE=1
export DATABASE_URL="${admin_url%/*}/$database"
export NEXTAUTH_URL="http://127.0.0.1:$port"
export NEXTAUTH_SECRET="${NEXTAUTH_SECRET:-e2e-only-secret-e2e-only-secret-0123456789}"
# The same audit key for the CLI that seeds and the server (docs/operations.md "Audit key").
export AUDIT_HMAC_KEY="${AUDIT_HMAC_KEY:-e2e-only-audit-key-e2e-only-audit-key-0123456789}"
# The key that encrypts EHR client secrets (docs/operations.md "EHR secret key"), also the same for the CLI.
export EHR_SECRET_KEY="${EHR_SECRET_KEY:-e2e-only-ehr-secret-key-e2e-only-ehr-secret-key-0123}"
if [ "$role" = primary ]; then
  psql "$admin_url" -qAtc "DROP DATABASE IF EXISTS \"$database\" WITH (FORCE)" -c "CREATE DATABASE \"$database\""
  npm run -s cli -- db migrate
  npm run -s cli -- seed --reset --patients 1000 --seed 20261121
else
  primary_port="${5:?primary port}"
  until curl -fsS -o /dev/null "http://127.0.0.1:$primary_port/login"; do sleep 1; done
  npm run -s cli -- db migrate
fi
[ -f .next/BUILD_ID ] || { echo "no production build: run \`npx next build\` first" >&2; exit 1; }
exec node server.mjs -p "$port" -H 127.0.0.1
