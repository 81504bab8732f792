// Prisma 7 CLI configuration. Prisma no longer reads .env and its env() helper throws on an unset
// variable, so the SQLite default is spelled out here (same default as lib/config/env-schema.mjs).
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema.prisma",
  datasource: { url: process.env.DATABASE_URL ?? "file:./data/app.db" },
});
