// Prisma fixes the provider per generated client, so from the one source schema we derive a copy
// per provider, each generating its own client (lib/generated/prisma-<provider>). The runtime
// picks one by DATABASE_URL's scheme (lib/data/db/client.ts).
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const source = readFileSync(join(here, "schema.prisma"), "utf8");

for (const provider of ["sqlite", "postgresql"]) {
  const out = join(here, "generated", provider);
  mkdirSync(out, { recursive: true });
  const derived = source
    .replace(/provider = "sqlite"/, `provider = "${provider}"`)
    .replace(/output\s*=\s*"\.\.\/lib\/generated\/prisma"/, `output   = "../../../lib/generated/prisma-${provider}"`);
  if (derived === source && provider !== "sqlite") throw new Error("derive-schemas: patterns no longer match schema.prisma");
  writeFileSync(join(out, "schema.prisma"), `// GENERATED from prisma/schema.prisma — do not edit.\n${derived}`);
}
