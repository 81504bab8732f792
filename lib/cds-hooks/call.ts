import "server-only";
import { env } from "@/lib/config/env";
import { getDb } from "@/lib/data/db/client";
import type { CdsCall } from "./handle";

/**
 * A CDS Hooks call as the server runs it: the app's database, the clock, and the settings
 * (CDS_CLIENTS, SMART_LAUNCH_URL, NEXTAUTH_URL). The caller is authenticated by its JWT inside
 * lib/cds-hooks/handle.ts, not by a session: route-access.ts lists these routes as "cds-client".
 */
export function cdsCall(): CdsCall {
  const settings = env();
  return {
    db: getDb(),
    now: new Date(),
    settings: { clients: settings.CDS_CLIENTS, launchUrl: settings.SMART_LAUNCH_URL, publicOrigin: settings.NEXTAUTH_URL },
  };
}
