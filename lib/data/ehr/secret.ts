import "server-only";
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from "node:crypto";
import { DEVELOPMENT_EHR_SECRET_KEY, env } from "@/lib/config/env";
import { AppError } from "@/lib/errors";

/**
 * The EHR client secrets (SMART App Launch as a confidential client) are stored encrypted:
 * AES-256-GCM under a key derived (HKDF-SHA256) from EHR_SECRET_KEY, which lives in the
 * environment, never in the database — a copy of the database (a backup, a read-only account)
 * does not give the secrets away. GCM's tag also makes a tampered value fail to decrypt rather
 * than decrypt to something else.
 *
 * Stored form: `v1.<key id>.<iv>.<tag>.<ciphertext>` (base64url). The key id names the key
 * (an HMAC of a label, revealing nothing), so a secret encrypted under another key is reported as
 * such, with what to do, instead of as a corrupt value.
 */

const VERSION = "v1";
const IV_BYTES = 12;

export interface EhrSecretKey {
  id: string;
  key: Buffer;
}

/** The AES key and its public id, from the configured passphrase. */
export function ehrSecretKey(passphrase: string): EhrSecretKey {
  const key = Buffer.from(hkdfSync("sha256", passphrase, "sarcopenia-screening", "ehr client secret v1", 32));
  const id = createHmac("sha256", passphrase).update("sarcopenia ehr secret key id").digest("hex").slice(0, 16);
  return { id, key };
}

let warned = false;

/**
 * The process's key, from EHR_SECRET_KEY. In production it must be set (the app still starts
 * without it, since most clinics register no EHR; registering or launching then stops here with
 * what to do); elsewhere the published development key stands in, with a warning.
 */
export function configuredEhrSecretKey(): EhrSecretKey {
  const settings = env();
  if (settings.EHR_SECRET_KEY) return ehrSecretKey(settings.EHR_SECRET_KEY);
  if (settings.NODE_ENV === "production") {
    throw new AppError("invalid", "EHR_SECRET_KEY is not set: the server needs it to store and use an EHR's client secret. Set it (e.g. `openssl rand -base64 32`) for the app and the command line, then restart (docs/operations.md \"EHR secret key\").");
  }
  if (!warned && settings.NODE_ENV !== "test") {
    warned = true;
    console.warn("*** WARNING: EHR_SECRET_KEY is not set; EHR client secrets are encrypted with the published development key. Set EHR_SECRET_KEY anywhere but a demo on your own machine. ***");
  }
  return ehrSecretKey(DEVELOPMENT_EHR_SECRET_KEY);
}

export function encryptSecret(secret: string, key: EhrSecretKey): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key.key, iv);
  // The key id is authenticated too: a value cannot be relabelled as another key's.
  cipher.setAAD(Buffer.from(`${VERSION}.${key.id}`));
  const ciphertext = Buffer.concat([cipher.update(secret, "utf8"), cipher.final()]);
  return [VERSION, key.id, iv.toString("base64url"), cipher.getAuthTag().toString("base64url"), ciphertext.toString("base64url")].join(".");
}

export class EhrSecretUnreadable extends AppError {
  constructor(message: string) {
    super("invalid", message);
  }
}

/** The secret in clear, or EhrSecretUnreadable saying why (another key, a damaged value) and what to do. */
export function decryptSecret(stored: string, key: EhrSecretKey, ehrName: string): string {
  const parts = stored.split(".");
  if (parts.length !== 5 || parts[0] !== VERSION) throw new EhrSecretUnreadable(`The stored client secret of the EHR "${ehrName}" is not in a form this version reads; an admin enters it again on the EHR page.`);
  const [, keyId, iv, tag, ciphertext] = parts as [string, string, string, string, string];
  if (keyId !== key.id) {
    throw new EhrSecretUnreadable(`The client secret of the EHR "${ehrName}" was encrypted under another EHR_SECRET_KEY (key id ${keyId}; this server's is ${key.id}): set the key it was stored with, or have an admin enter the secret again on the EHR page.`);
  }
  try {
    const decipher = createDecipheriv("aes-256-gcm", key.key, Buffer.from(iv, "base64url"));
    decipher.setAAD(Buffer.from(`${VERSION}.${keyId}`));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, "base64url")), decipher.final()]).toString("utf8");
  } catch {
    throw new EhrSecretUnreadable(`The stored client secret of the EHR "${ehrName}" has been altered or damaged and cannot be decrypted; an admin enters it again on the EHR page.`);
  }
}
