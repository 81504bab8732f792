#!/usr/bin/env bash
# Usage: bash scripts/demo.sh   (or `npm run demo`; PORT=3000 by default)
# `npm run demo`: installs what is missing, migrates and seeds the embedded SQLite database with the
# demo clinic (first run only), builds, and serves the app on http://localhost:${PORT:-3000}.
source "$(dirname "$0")/help.sh"
set -euo pipefail
cd "$(dirname "$0")/.."
port="${PORT:-3000}"
bash scripts/ensure-deps.sh
random_key() { node -e 'console.log(require("crypto").randomBytes(32).toString("base64"))'; }
if [ ! -f .env.local ]; then
  # A per-machine session secret, kept out of git.
  printf 'NEXTAUTH_SECRET=%s\nNEXTAUTH_URL=http://localhost:%s\n' "$(random_key)" "$port" > .env.local
fi
if ! grep -q '^AUDIT_HMAC_KEY=' .env.local; then
  # The key that signs the audit log (docs/operations.md "Audit key"); added to older .env.local files too.
  printf 'AUDIT_HMAC_KEY=%s\n' "$(random_key)" >> .env.local
fi
if ! grep -q '^EHR_SECRET_KEY=' .env.local; then
  # The key that encrypts EHR client secrets (docs/operations.md "EHR secret key").
  printf 'EHR_SECRET_KEY=%s\n' "$(random_key)" >> .env.local
fi
# The command line reads the same settings as the app (next reads .env.local itself): the CLI's
# audit events must be signed with the app's key.
set -a; . ./.env.local; set +a
npm run -s cli -- db migrate
npm run -s cli -- seed --if-empty
if [ ! -f .next/BUILD_ID ] || [ -n "$(find app lib components -newer .next/BUILD_ID -print -quit)" ]; then
  npx next build
fi
echo
echo "Sarcopenia screening is starting on http://localhost:$port"
npm run -s cli -- demo-logins
exec node server.mjs -p "$port"
