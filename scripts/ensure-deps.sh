#!/usr/bin/env bash
# Usage: bash scripts/ensure-deps.sh
# Installs the npm dependencies when they are missing or older than the lock file, and generates
# the Prisma clients when they are missing. Safe to run repeatedly.
source "$(dirname "$0")/help.sh"
set -euo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1 CHECKPOINT_DISABLE=1
if ! command -v node >/dev/null || [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
  echo "Node.js 20.19 or newer is required (found: $(node --version 2>/dev/null || echo none))." >&2
  exit 1
fi
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "Installing dependencies (npm ci; compiling better-sqlite3 can take a minute or two)…"
  npm ci --no-audit --no-fund --loglevel=error
elif [ ! -f lib/generated/prisma-sqlite/client.ts ] || [ ! -f lib/generated/prisma-postgresql/client.ts ] || [ prisma/schema.prisma -nt lib/generated/prisma-sqlite/client.ts ]; then
  bash scripts/prisma.sh generate >/dev/null
fi
