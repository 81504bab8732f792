/**
 * A second process appending to the audit log, for tests/integration/audit-chain.int.test.ts: two
 * app instances (or the app and the CLI) each with their own database client. Run with tsx:
 *
 *   tsx --conditions=react-server --tsconfig tsconfig.json tests/support/audit-appender.ts \
 *     <DATABASE_URL> <clinicId> <appends> <label>
 *
 * Appends one read audit per transaction, as a panel call does, and prints the count when done.
 */
import { auditRead } from "@/lib/data/audit/log";
import { createDb } from "@/lib/data/db/client";

async function main(): Promise<void> {
  const [url, clinicId, appendsText, label] = process.argv.slice(2);
  if (!url || !clinicId || !appendsText || !label) throw new Error("usage: audit-appender.ts <DATABASE_URL> <clinicId> <appends> <label>");
  const db = createDb(url);
  try {
    for (let i = 0; i < Number(appendsText); i += 1) {
      await auditRead(db, { kind: "system", clinicId, label }, [{ action: "patient.view", patientId: `${label}-${i}` }]);
    }
    console.log(appendsText);
  } finally {
    await db.$disconnect();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
