import "server-only";
import type { Db, Tx } from "@/lib/data/db/client";
import { appendAudit } from "@/lib/data/audit/log";
import { actorRole, type Actor } from "@/lib/data/access/actor";
import { can } from "@/lib/data/access/roles";
import { AppError } from "@/lib/errors";
import { configuredEhrSecretKey, decryptSecret, encryptSecret, type EhrSecretKey } from "./secret";

/**
 * A clinic's EHR for SMART App Launch (docs/ehr-integration.md "Registering the app"): admins
 * register it (the FHIR base URL it launches with, the app's client id and secret there, the
 * identifier system of the clinic's MRNs) and link users here to the EHR's users (`fhirUser`).
 * The Users page and the CLI's `ehr` commands call these functions. Every change is audited; the
 * client secret is stored encrypted (secret.ts) and never read back to a page, the CLI or the log.
 */

export interface EhrConnectionInput {
  name: string;
  /** The EHR's FHIR base URL, the `iss` of its launches. */
  issuer: string;
  clientId: string;
  /** Required for a new EHR; left empty when editing, the stored one is kept. */
  clientSecret?: string;
  mrnSystem: string;
}

export interface EhrConnectionSummary {
  id: string;
  name: string;
  issuer: string;
  clientId: string;
  mrnSystem: string;
  updatedAt: Date;
  users: { userId: string; email: string; fhirUser: string }[];
}

/** What a launch needs: the connection with its secret in clear (never returned to a page). */
export interface EhrForLaunch {
  id: string;
  clinicId: string;
  name: string;
  issuer: string;
  clientId: string;
  clientSecret: string;
  mrnSystem: string;
}

function assertCanManage(actor: Actor): void {
  if (!can(actorRole(actor), "users:manage")) throw new AppError("forbidden", "Only an admin can register, remove or link the users of an EHR.");
}

function isLoopback(hostname: string): boolean {
  return hostname === "127.0.0.1" || hostname === "localhost" || hostname === "[::1]";
}

/** An EHR's FHIR base URL as launches name it: https (plain http only on this machine), no query, no trailing slash. */
export function normaliseIssuer(raw: string): string {
  const text = raw.trim().replace(/\/+$/, "");
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new AppError("invalid", `"${raw.trim()}" is not a URL: give the EHR's FHIR base URL, e.g. https://ehr.example.org/fhir/r4.`);
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopback(url.hostname))) {
    throw new AppError("invalid", `The EHR's FHIR base URL must be https (plain http only for a test EHR on this machine): ${text}.`);
  }
  if (url.search !== "" || url.hash !== "") throw new AppError("invalid", "The EHR's FHIR base URL has no query or fragment: give the address its launches send as `iss`.");
  if (url.username !== "" || url.password !== "") throw new AppError("invalid", "The EHR's FHIR base URL must not contain a user name or password.");
  return text;
}

const FHIR_USER = /^(Practitioner|PractitionerRole|Person|RelatedPerson|Patient)\/[A-Za-z0-9\-.]{1,64}$/;

/**
 * The EHR user as stored: "Practitioner/123". An id_token's `fhirUser` may be absolute
 * (`<FHIR base URL>/Practitioner/123`); it is reduced to the relative form only when it is on the
 * EHR's own base URL, so a user of another server never matches.
 */
export function normaliseFhirUser(raw: string, issuer?: string): string | null {
  let text = raw.trim();
  if (issuer && text.startsWith(`${issuer}/`)) text = text.slice(issuer.length + 1);
  return FHIR_USER.test(text) ? text : null;
}

function required(value: string, what: string, max: number): string {
  const text = value.trim();
  if (text === "") throw new AppError("invalid", `Enter the ${what}.`);
  if (text.length > max) throw new AppError("invalid", `The ${what} has at most ${max} characters.`);
  // Control characters are never part of these values; they would only hide what is stored.
  if (/\p{Cc}/u.test(text)) throw new AppError("invalid", `The ${what} contains a control character.`);
  return text;
}

function issuerTaken(issuer: string): AppError {
  return new AppError("conflict", `An EHR with the FHIR base URL ${issuer} is already registered (a launch must name one clinic): edit that one, or check the URL.`);
}

/**
 * Registers an EHR for the actor's clinic, or (with `id`) changes one of its EHRs. The secret is
 * encrypted before it reaches the database; on edit an empty secret keeps the stored one.
 * Audited "ehr.save", without the secret.
 */
export async function saveEhrConnection(db: Db, actor: Actor, input: EhrConnectionInput & { id?: string }, at: Date = new Date(), key: EhrSecretKey = configuredEhrSecretKey()) {
  assertCanManage(actor);
  const name = required(input.name, "EHR's name", 120);
  const issuer = normaliseIssuer(input.issuer);
  const clientId = required(input.clientId, "client id the EHR gave the app", 200);
  const mrnSystem = required(input.mrnSystem, "identifier system of the clinic's MRNs (e.g. urn:oid:… or https://…)", 300);
  const secret = input.clientSecret?.trim() ?? "";
  if (!input.id && secret === "") throw new AppError("invalid", "Enter the client secret the EHR gave the app (it is stored encrypted and never shown again).");
  if (secret.length > 500) throw new AppError("invalid", "The client secret has at most 500 characters.");
  const clientSecretEnc = secret === "" ? undefined : encryptSecret(secret, key);
  const taken = await db.ehrConnection.findUnique({ where: { issuer }, select: { id: true } });
  if (taken && taken.id !== input.id) throw issuerTaken(issuer);
  try {
    return await db.$transaction(async (tx) => {
      let id: string;
      if (input.id) {
        const existing = await tx.ehrConnection.findFirst({ where: { id: input.id, clinicId: actor.clinicId }, select: { id: true } });
        if (!existing) throw new AppError("not_found", "No such EHR in this clinic; reload the page.");
        await tx.ehrConnection.update({ where: { id: existing.id }, data: { name, issuer, clientId, mrnSystem, updatedAt: at, ...(clientSecretEnc ? { clientSecretEnc } : {}) } });
        id = existing.id;
      } else {
        const created = await tx.ehrConnection.create({
          data: { clinicId: actor.clinicId, name, issuer, clientId, clientSecretEnc: clientSecretEnc!, mrnSystem, createdAt: at, updatedAt: at },
          select: { id: true },
        });
        id = created.id;
      }
      await appendAudit(tx, actor, [{ action: "ehr.save", entityType: "ehr", entityId: id, detail: { name, issuer, clientId, mrnSystem, created: !input.id, secretChanged: clientSecretEnc !== undefined } }], at);
      return { id, name, issuer, clientId, mrnSystem, created: !input.id };
    });
  } catch (error) {
    // The same issuer registered twice at once: the unique index refused this one.
    if (!(error instanceof AppError) && (await db.ehrConnection.findUnique({ where: { issuer }, select: { id: true } }))?.id !== input.id) throw issuerTaken(issuer);
    throw error;
  }
}

/**
 * Removes one of the clinic's EHRs: its registration with its Bulk Data settings, its users'
 * links and its launches in progress (the relations cascade), so a launch or a sync from it is
 * refused from then on (a sync under way fails at its next request, saying why). The patients it
 * brought in stay, as every imported record does, and so does the clinic's sync history. Audited
 * "ehr.remove" with what was removed.
 */
export async function removeEhrConnection(db: Db, actor: Actor, ehr: { id: string } | { issuer: string }, at: Date = new Date()) {
  assertCanManage(actor);
  return db.$transaction(async (tx) => {
    const where = "id" in ehr ? { id: ehr.id, clinicId: actor.clinicId } : { issuer: normaliseIssuer(ehr.issuer), clinicId: actor.clinicId };
    const found = await tx.ehrConnection.findFirst({ where, select: { id: true, name: true, issuer: true, _count: { select: { users: true } } } });
    if (!found) throw new AppError("not_found", "id" in ehr ? "No such EHR in this clinic; reload the page." : `No EHR with the FHIR base URL ${ehr.issuer} in this clinic (npm run cli -- ehr list).`);
    await tx.ehrConnection.delete({ where: { id: found.id } });
    await appendAudit(tx, actor, [{ action: "ehr.remove", entityType: "ehr", entityId: found.id, detail: { name: found.name, issuer: found.issuer, linkedUsers: found._count.users } }], at);
    return { name: found.name, issuer: found.issuer, linkedUsers: found._count.users };
  });
}

/** The clinic's EHRs with their linked users; never the secret. */
export async function listEhrConnections(db: Db, actor: Actor): Promise<EhrConnectionSummary[]> {
  assertCanManage(actor);
  const rows = await db.ehrConnection.findMany({
    where: { clinicId: actor.clinicId },
    select: { id: true, name: true, issuer: true, clientId: true, mrnSystem: true, updatedAt: true, users: { select: { fhirUser: true, userId: true, user: { select: { email: true } } }, orderBy: { fhirUser: "asc" } } },
    orderBy: { name: "asc" },
  });
  return rows.map((row) => ({ ...row, users: row.users.map((u) => ({ userId: u.userId, email: u.user.email, fhirUser: u.fhirUser })) }));
}

async function findClinicEhr(tx: Tx, actor: Actor, ehr: { id: string } | { issuer: string }) {
  const where = "id" in ehr ? { id: ehr.id, clinicId: actor.clinicId } : { issuer: ehr.issuer.trim().replace(/\/+$/, ""), clinicId: actor.clinicId };
  const row = await tx.ehrConnection.findFirst({ where, select: { id: true, name: true, issuer: true } });
  if (!row) throw new AppError("not_found", "id" in ehr ? "No such EHR in this clinic; reload the page." : `No EHR with the FHIR base URL ${ehr.issuer} in this clinic (list them: npm run cli -- ehr list).`);
  return row;
}

/**
 * Links a user of the clinic to their identity in the EHR (`fhirUser`), replacing the user's
 * previous link to that EHR; an empty `fhirUser` removes the link. One EHR identity is one user.
 * Audited "ehr.user_link".
 */
export async function linkEhrUser(db: Db, actor: Actor, ehr: { id: string } | { issuer: string }, user: { id: string } | { email: string }, fhirUserRaw: string, at: Date = new Date()) {
  assertCanManage(actor);
  const unlink = fhirUserRaw.trim() === "";
  const fhirUser = unlink ? null : normaliseFhirUser(fhirUserRaw);
  if (!unlink && fhirUser === null) {
    throw new AppError("invalid", `"${fhirUserRaw.trim()}" is not an EHR user reference: write it as the EHR gives it, e.g. Practitioner/123 (the EHR's fhirUser; its user administration shows it).`);
  }
  return db.$transaction(async (tx) => {
    const connection = await findClinicEhr(tx, actor, ehr);
    const target = await tx.user.findFirst({
      where: "id" in user ? { id: user.id, clinicId: actor.clinicId } : { email: user.email.trim().toLowerCase(), clinicId: actor.clinicId },
      select: { id: true, email: true },
    });
    if (!target) throw new AppError("not_found", "id" in user ? "No such user in this clinic." : `No user with the email ${user.email} in this clinic.`);
    if (fhirUser) {
      const holder = await tx.ehrUserLink.findUnique({ where: { ehrConnectionId_fhirUser: { ehrConnectionId: connection.id, fhirUser } }, select: { userId: true, user: { select: { email: true } } } });
      if (holder && holder.userId !== target.id) throw new AppError("conflict", `${fhirUser} is already linked to ${holder.user.email}: unlink it there first (one EHR user is one user here).`);
    }
    const before = await tx.ehrUserLink.findUnique({ where: { ehrConnectionId_userId: { ehrConnectionId: connection.id, userId: target.id } }, select: { fhirUser: true } });
    await tx.ehrUserLink.deleteMany({ where: { ehrConnectionId: connection.id, userId: target.id } });
    if (fhirUser) await tx.ehrUserLink.create({ data: { ehrConnectionId: connection.id, userId: target.id, fhirUser, createdAt: at } });
    await appendAudit(tx, actor, [{ action: "ehr.user_link", entityType: "user", entityId: target.id, detail: { email: target.email, ehr: connection.name, issuer: connection.issuer, before: before?.fhirUser ?? null, after: fhirUser } }], at);
    return { email: target.email, ehr: connection.name, before: before?.fhirUser ?? null, after: fhirUser };
  });
}

/** The path that starts a standalone launch from one registered EHR (app/smart/launch/route.ts): the link an admin gives the clinic's users. */
export function standaloneLaunchPath(ehrId: string): string {
  return `/smart/launch?ehr=${encodeURIComponent(ehrId)}`;
}

/**
 * The EHRs the public standalone-launch picker (/smart/start, before anyone signs in) may name:
 * every registered one when the deployment serves a single clinic, none when it serves several —
 * the names would tell anyone which EHRs the other clinics use. There, users open their clinic's
 * link ({@link standaloneLaunchPath}, shown to admins on the EHR page and by `ehr list`).
 */
export async function listLaunchableEhrs(db: Db): Promise<{ id: string; name: string }[]> {
  if ((await db.clinic.count({ take: 2 })) > 1) return [];
  return db.ehrConnection.findMany({ select: { id: true, name: true }, orderBy: { name: "asc" } });
}

function forLaunch(row: { id: string; clinicId: string; name: string; issuer: string; clientId: string; clientSecretEnc: string; mrnSystem: string }, key: EhrSecretKey): EhrForLaunch {
  const { clientSecretEnc, ...rest } = row;
  return { ...rest, clientSecret: decryptSecret(clientSecretEnc, key, row.name) };
}

const LAUNCH_SELECT = { id: true, clinicId: true, name: true, issuer: true, clientId: true, clientSecretEnc: true, mrnSystem: true } as const;

/**
 * The EHR a launch names (its `iss`), with the secret decrypted for the token request; null for
 * an issuer no clinic registered. Only the SMART launch routes call this (lib/smart/launch.ts).
 */
export async function findEhrByIssuer(db: Db, iss: string, key: EhrSecretKey = configuredEhrSecretKey()): Promise<EhrForLaunch | null> {
  const row = await db.ehrConnection.findUnique({ where: { issuer: iss.trim().replace(/\/+$/, "") }, select: LAUNCH_SELECT });
  return row ? forLaunch(row, key) : null;
}

export async function findEhrById(db: Db, id: string, key: EhrSecretKey = configuredEhrSecretKey()): Promise<EhrForLaunch | null> {
  const row = await db.ehrConnection.findUnique({ where: { id }, select: LAUNCH_SELECT });
  return row ? forLaunch(row, key) : null;
}

/** The active user of the EHR's clinic linked to `fhirUser`, or null. */
export async function findLinkedUser(db: Db, ehr: EhrForLaunch, fhirUser: string) {
  const link = await db.ehrUserLink.findUnique({
    where: { ehrConnectionId_fhirUser: { ehrConnectionId: ehr.id, fhirUser } },
    select: { user: { select: { id: true, clinicId: true, email: true, name: true, role: true, disabledAt: true } } },
  });
  if (!link || link.user.clinicId !== ehr.clinicId || link.user.disabledAt !== null) return null;
  return link.user;
}
