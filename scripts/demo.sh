#!/usr/bin/env bash
# Usage: bash scripts/demo.sh   (or `npm run demo`; PORT=3000 by default)
# `npm run demo`: installs what is missing, migrates and seeds the embedded SQLite database with the
# demo clinic (first run only), builds, and serves the app on http://localhost:${PORT:-3000}.
source "$(dirname "$0")/help.sh"
set -euo pipefail
cd "$(dirname "$0")/.."
port="${PORT:-3000}"
bash scripts/ensure-deps.sh
if [ ! -f .env.local ]; then
  # A per-machine session secret, kept out of git.
  printf 'NEXTAUTH_SECRET=%s\nNEXTAUTH_URL=http://localhost:%s\n' "$(node -e 'console.log(require("crypto").randomBytes(32).toString("base64"))')" "$port" > .env.local
fi
npm run -s cli -- db migrate
npm run -s cli -- seed --if-empty
if [ ! -f .next/BUILD_ID ] || [ -n "$(find app lib components -newer .next/BUILD_ID -print -quit)" ]; then
  npx next build
fi
echo
echo "Sarcopenia screening is starting on http://localhost:$port"
npm run -s cli -- demo-logins
exec node server.mjs -p "$port"
