#!/usr/bin/env bash
# Writes the SQL that takes the database from the last committed prisma/schema.prisma to the
# working one, as a new migration folder for each provider:
#   scripts/make-migration.sh add_flag_outreach
# Prisma 7's migrate needs a native engine we cannot download; Prisma 6.19's experimental wasm
# engine can still *diff* offline, so it runs in a scratch folder outside the project (it is not a
# project dependency). The SQLite diff needs nothing running; the PostgreSQL diff needs a server,
# which scripts/pg-server.sh provides.
source "$(dirname "$0")/help.sh"
set -euo pipefail
cd "$(dirname "$0")/.."
name="${1:?usage: scripts/make-migration.sh <snake_case_name>}"
scratch="${PRISMA6_SCRATCH:-/tmp/prisma6-scratch}"
stub="$scratch/engine-stub"
mkdir -p "$scratch"
[ -f "$stub" ] || { printf '#!/bin/sh\nexit 1\n' >"$stub"; chmod +x "$stub"; }
export PRISMA_SCHEMA_ENGINE_BINARY="$stub" PRISMA_QUERY_ENGINE_LIBRARY="$stub" PRISMA_ENGINES_CHECKSUM_IGNORE_MISSING=1 CHECKPOINT_DISABLE=1
if [ ! -d "$scratch/node_modules/prisma" ]; then
  (cd "$scratch" && npm init -y >/dev/null && npm install --no-audit --no-fund prisma@6.19 @prisma/adapter-better-sqlite3@6.19 @prisma/adapter-pg@6.19 better-sqlite3@11 >/dev/null)
fi
pg_url="$(scripts/pg-server.sh start 5439)"
stamp="$(date -u +%Y%m%d%H%M%S)"
for prov in sqlite postgresql; do
  for which in from to; do
    if [ "$which" = from ]; then
      git show HEAD:prisma/schema.prisma 2>/dev/null >"$scratch/$which.prisma" || : >"$scratch/$which.prisma"
    else
      cp prisma/schema.prisma "$scratch/$which.prisma"
    fi
    [ -s "$scratch/$which.prisma" ] && sed -i -e "s/provider = \"sqlite\"/provider = \"$prov\"\n  url = env(\"DIFF_URL\")/" \
      -e 's/provider = "prisma-client"/provider = "prisma-client-js"/' -e '/^  output /d' "$scratch/$which.prisma"
  done
  cat >"$scratch/prisma.config.ts" <<CFG
import { defineConfig } from "prisma/config";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
export default defineConfig({
  experimental: { adapter: true }, engine: "js", schema: "to.prisma",
  async adapter() { return "$prov" === "sqlite" ? new PrismaBetterSQLite3({ url: "file:$scratch/diff.db" }) : new PrismaPg({ connectionString: "$pg_url" }); },
});
CFG
  from_arg=(--from-empty); [ -s "$scratch/from.prisma" ] && from_arg=(--from-schema-datamodel from.prisma)
  out="prisma/migrations/$prov/${stamp}_${name}"
  sql="$(cd "$scratch" && DIFF_URL="$([ $prov = sqlite ] && echo "file:$scratch/diff.db" || echo "$pg_url")" npx prisma migrate diff "${from_arg[@]}" --to-schema-datamodel to.prisma --script)"
  if [ -z "$(echo "$sql" | grep -v '^--' | grep -v '^\s*$')" ]; then echo "$prov: no changes"; continue; fi
  mkdir -p "$out"; echo "$sql" >"$out/migration.sql"; echo "wrote $out/migration.sql"
done
