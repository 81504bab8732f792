import "server-only";
import { createHmac } from "node:crypto";
import { DEVELOPMENT_AUDIT_KEY, env, type Env } from "@/lib/config/env";

/**
 * The keys that sign the audit log (docs/operations.md "Audit key"). They live in the
 * environment, never in the database: someone who can write the database but cannot read the
 * key can delete or edit events, but cannot make the chain verify again afterwards.
 *
 * Every keyed event stores the id of the key that signed it, so a key can be rotated: the new key
 * signs from then on, the retired ones (AUDIT_HMAC_OLD_KEYS) stay known so the events they signed
 * still verify.
 */
export interface AuditKey {
  /** A public fingerprint of the key (16 hex digits); names the key in events and anchors. */
  id: string;
  secret: string;
}

export interface AuditKeyring {
  /** Signs new events. */
  current: AuditKey;
  /** Every key an event may be signed with, by id: the current one and the retired ones. */
  byId: ReadonlyMap<string, AuditKey>;
  /** True when the published development key stands in for AUDIT_HMAC_KEY. */
  development: boolean;
}

/** The key's id: an HMAC of a fixed label, which names the key without revealing it. */
export function auditKeyId(secret: string): string {
  return createHmac("sha256", secret).update("sarcopenia audit key id").digest("hex").slice(0, 16);
}

export function makeAuditKeyring(current: string, retired: readonly string[] = [], development = false): AuditKeyring {
  const key = (secret: string): AuditKey => ({ id: auditKeyId(secret), secret });
  const all = [key(current), ...retired.map(key)];
  return { current: all[0]!, byId: new Map(all.map((k) => [k.id, k])), development };
}

/** The keyring the settings describe; the development key when AUDIT_HMAC_KEY is unset (never in production: env.ts refuses). */
export function keyringFromEnv(settings: Pick<Env, "AUDIT_HMAC_KEY" | "AUDIT_HMAC_OLD_KEYS">): AuditKeyring {
  const current = settings.AUDIT_HMAC_KEY ?? DEVELOPMENT_AUDIT_KEY;
  return makeAuditKeyring(current, settings.AUDIT_HMAC_OLD_KEYS, current === DEVELOPMENT_AUDIT_KEY);
}

let cached: AuditKeyring | undefined;

/** The process's keyring (from the validated environment, once). Warns loudly when it is the development key. */
export function auditKeyring(): AuditKeyring {
  if (cached) return cached;
  const settings = env();
  cached = keyringFromEnv(settings);
  if (cached.development && settings.NODE_ENV !== "test") {
    console.warn(
      [
        "",
        "*** WARNING: AUDIT_HMAC_KEY is not set. The audit log is being signed with the DEVELOPMENT key, ***",
        "*** which is published in the source code: it protects nothing. Fine for a demo on your own     ***",
        "*** machine; anywhere else set AUDIT_HMAC_KEY (openssl rand -base64 32), the same for the app   ***",
        "*** and the command line. docs/operations.md \"Audit key\".                                        ***",
        "",
      ].join("\n"),
    );
  }
  return cached;
}
