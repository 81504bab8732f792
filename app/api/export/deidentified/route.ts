import { guardedRoute } from "@/lib/auth/guarded";
import { getDb } from "@/lib/data/db/client";
import { streamDeidentifiedCsv } from "@/lib/data/export/deidentified";
import { streamedDownload } from "@/lib/http/streamed-download";

/** GET /api/export/deidentified → every patient of the clinic, de-identified, streamed and audited. */
export const GET = guardedRoute("export:deidentified", async (_request, actor) => {
  const now = new Date();
  return streamedDownload(streamDeidentifiedCsv(getDb(), actor, { now }), `deidentified-${now.toISOString().slice(0, 10)}.csv`);
});
