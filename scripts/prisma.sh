#!/usr/bin/env bash
# Usage: bash scripts/prisma.sh generate | <any prisma CLI arguments>
# Runs the Prisma CLI offline. Prisma 7's CLI insists on downloading a native schema engine from a
# host this machine cannot reach; generate/validate/format never use it, so we point it at a stub.
# Migrations are applied by our own runner (lib/data/db/migrate.ts), not by `prisma migrate`.
source "$(dirname "$0")/help.sh"
set -euo pipefail
cd "$(dirname "$0")/.."
stub="${PRISMA_SCHEMA_ENGINE_BINARY:-$PWD/node_modules/.cache/prisma-schema-engine-stub}"
mkdir -p "$(dirname "$stub")"
[ -f "$stub" ] || { printf '#!/bin/sh\necho "schema engine unavailable offline" >&2; exit 1\n' >"$stub"; chmod +x "$stub"; }
export PRISMA_SCHEMA_ENGINE_BINARY="$stub" CHECKPOINT_DISABLE=1 PRISMA_HIDE_UPDATE_MESSAGE=1
if [ "${1:-}" = generate ]; then
  # One client per provider, generated from the single source schema (see prisma/derive-schemas.mjs).
  node prisma/derive-schemas.mjs
  npx --no-install prisma generate --schema prisma/generated/sqlite/schema.prisma
  npx --no-install prisma generate --schema prisma/generated/postgresql/schema.prisma
else
  npx --no-install prisma "$@"
fi
