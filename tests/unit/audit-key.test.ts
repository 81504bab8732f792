import { describe, expect, it } from "vitest";
import { DEVELOPMENT_AUDIT_KEY, parseEnv } from "@/lib/config/env";
import { auditKeyId, keyringFromEnv, makeAuditKeyring } from "@/lib/data/audit/key";
import { GENESIS_HASH, keyedAuditHash, unkeyedAuditHash, type AuditFields } from "@/lib/data/audit/hash";

const KEY = "k".repeat(32);
const OTHER = "o".repeat(40);

/** AUDIT_HMAC_KEY: required in production, checked everywhere, a loud development stand-in elsewhere. */
describe("audit key settings", () => {
  it("is required in production, with a message that says what to do", () => {
    expect(() => parseEnv({ NODE_ENV: "production", NEXTAUTH_SECRET: "s".repeat(32) })).toThrow(/AUDIT_HMAC_KEY: required in production.*openssl rand -base64 32/);
    expect(parseEnv({ NODE_ENV: "production", NEXTAUTH_SECRET: "s".repeat(32), AUDIT_HMAC_KEY: KEY }).AUDIT_HMAC_KEY).toBe(KEY);
  });

  it("refuses a short key, a retired key list with a short key, and the current key among the retired ones", () => {
    expect(() => parseEnv({ AUDIT_HMAC_KEY: "too short" })).toThrow(/AUDIT_HMAC_KEY: must be at least 32 characters/);
    expect(() => parseEnv({ AUDIT_HMAC_KEY: KEY, AUDIT_HMAC_OLD_KEYS: `${OTHER}, short` })).toThrow(/AUDIT_HMAC_OLD_KEYS: every key must be at least 32 characters/);
    expect(() => parseEnv({ AUDIT_HMAC_KEY: KEY, AUDIT_HMAC_OLD_KEYS: `${OTHER} ${KEY}` })).toThrow(/AUDIT_HMAC_OLD_KEYS: lists the current AUDIT_HMAC_KEY/);
    expect(parseEnv({ AUDIT_HMAC_KEY: KEY, AUDIT_HMAC_OLD_KEYS: ` ${OTHER},${"p".repeat(32)} ` }).AUDIT_HMAC_OLD_KEYS).toEqual([OTHER, "p".repeat(32)]);
  });

  it("refuses the published development key in production, and uses it only outside production", () => {
    expect(() => parseEnv({ NODE_ENV: "production", NEXTAUTH_SECRET: "s".repeat(32), AUDIT_HMAC_KEY: DEVELOPMENT_AUDIT_KEY })).toThrow(/published development key/);
    const keyring = keyringFromEnv(parseEnv({ NODE_ENV: "development" }));
    expect(keyring.development).toBe(true);
    expect(keyring.current.secret).toBe(DEVELOPMENT_AUDIT_KEY);
    expect(keyringFromEnv(parseEnv({ AUDIT_HMAC_KEY: KEY })).development).toBe(false);
  });

  it("names each key by a stable fingerprint, and knows the retired keys by theirs", () => {
    expect(auditKeyId(KEY)).toMatch(/^[0-9a-f]{16}$/);
    expect(auditKeyId(KEY)).toBe(auditKeyId(KEY));
    expect(auditKeyId(KEY)).not.toBe(auditKeyId(OTHER));
    expect(auditKeyId(KEY)).not.toContain(KEY.slice(0, 8));
    const keyring = makeAuditKeyring(KEY, [OTHER]);
    expect(keyring.current.id).toBe(auditKeyId(KEY));
    expect([...keyring.byId.keys()]).toEqual([auditKeyId(KEY), auditKeyId(OTHER)]);
  });
});

describe("audit event hashes", () => {
  const fields: AuditFields = {
    at: new Date("2026-11-21T00:00:00Z"),
    clinicId: "clinic-a",
    actorId: "u1",
    actorLabel: "admin@a.test",
    action: "patient.view",
    patientId: "p1",
    entityType: null,
    entityId: null,
    detailJson: "{}",
  };
  const position = { chainSeq: 3, keyId: auditKeyId(KEY) };

  it("the keyed hash depends on the key, the position, the key id, the link and every field", () => {
    const hash = keyedAuditHash(KEY, GENESIS_HASH, position, fields);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(keyedAuditHash(KEY, GENESIS_HASH, position, fields)).toBe(hash);
    const variants = [
      keyedAuditHash(OTHER, GENESIS_HASH, position, fields),
      keyedAuditHash(KEY, GENESIS_HASH, { ...position, chainSeq: 4 }, fields),
      keyedAuditHash(KEY, GENESIS_HASH, { ...position, keyId: auditKeyId(OTHER) }, fields),
      keyedAuditHash(KEY, "1".repeat(64), position, fields),
      keyedAuditHash(KEY, GENESIS_HASH, position, { ...fields, clinicId: "clinic-b" }),
      keyedAuditHash(KEY, GENESIS_HASH, position, { ...fields, detailJson: '{"x":1}' }),
      keyedAuditHash(KEY, GENESIS_HASH, position, { ...fields, at: new Date("2026-11-21T00:00:01Z") }),
      unkeyedAuditHash(GENESIS_HASH, fields),
    ];
    expect(new Set([hash, ...variants]).size).toBe(variants.length + 1);
  });
});
