import "server-only";
import type { Db } from "@/lib/data/db/client";
import type { UserActor } from "@/lib/data/access/actor";
import { can } from "@/lib/data/access/roles";
import { isAppError } from "@/lib/errors";
import { decodeRole } from "@/lib/data/stored/values";
import { findEhrById, findEhrByIssuer, findLinkedUser, normaliseFhirUser, type EhrForLaunch } from "@/lib/data/ehr/connections";
import { issueSignInTicket, randomToken, saveLaunchState, takeLaunchState } from "@/lib/data/ehr/launch-state";
import { beginLaunch, completeLaunch, discoverSmartServer, SmartLaunchError, type SmartClient } from "./oauth";
import { importLaunchPatient } from "./patient-record";

/**
 * SMART App Launch inside the app (docs/ehr-integration.md "How a launch works"), between the
 * thin route handlers app/smart/launch and app/smart/callback:
 *
 * 1. `startLaunch`: the EHR (by its `iss`, or picked for a standalone launch) must be registered
 *    by a clinic here; the launch's PKCE verifier is kept server-side under the hash of its
 *    `state`, bound to this browser by a random cookie, and the browser goes to the EHR's
 *    authorization endpoint (lib/smart/oauth.ts).
 * 2. `finishLaunch`: the callback's launch is taken once; the code is exchanged; the EHR user
 *    (`fhirUser`) must be linked to an active user of the EHR's clinic whose role opens patient
 *    records; the patient's record is read and imported (patient-record.ts); a one-time ticket
 *    lets next-auth sign that user in (lib/auth/smart-ticket.ts) and open the patient's page.
 *
 * Every refusal is a SmartRefusal carrying a sentence for the person in front of the EHR.
 */

export class SmartRefusal extends Error {
  constructor(
    message: string,
    /** The HTTP status of the refusal page. */
    readonly status: 400 | 403 | 502 | 503,
    readonly title: string,
  ) {
    super(message);
  }
}

function client(ehr: EhrForLaunch, redirectUri: string): SmartClient {
  return { clientId: ehr.clientId, clientSecret: ehr.clientSecret, redirectUri };
}

/**
 * A failure talking to the EHR (its configuration, its token endpoint, its FHIR API) as a refusal
 * page; so is an import the data layer refused (e.g. the same new patient imported by a second
 * launch at the same moment), which a new launch resolves.
 */
function ehrFailure(error: unknown, ehr: { name: string }): never {
  if (error instanceof SmartLaunchError) throw new SmartRefusal(error.message, 502, `The launch from ${ehr.name} did not complete`);
  if (isAppError(error)) throw new SmartRefusal(`${error.message} Open the app again from the EHR.`, error.code === "forbidden" ? 403 : 503, `The launch from ${ehr.name} did not complete`);
  throw error;
}

/** The EHR's registration; a secret this server cannot decrypt (another EHR_SECRET_KEY, none set in production) is the operator's to fix. */
async function loadEhr(find: () => Promise<EhrForLaunch | null>): Promise<EhrForLaunch | null> {
  try {
    return await find();
  } catch (error) {
    if (isAppError(error)) throw new SmartRefusal(`${error.message} Until then launches from this EHR cannot complete.`, 503, "The app's EHR settings need attention");
    throw error;
  }
}

export type LaunchRequest = { iss: string; launch: string } | { ehrId: string };

/** Where to send the browser, and the cookie value binding the launch to it. */
export async function startLaunch(db: Db, request: LaunchRequest, redirectUri: string, now: Date): Promise<{ authorizationUrl: string; browserNonce: string }> {
  const ehr = await loadEhr(() => ("iss" in request ? findEhrByIssuer(db, request.iss) : findEhrById(db, request.ehrId)));
  if (!ehr) {
    if ("iss" in request) {
      throw new SmartRefusal(
        `No clinic here has registered the EHR at ${request.iss}. An admin of your clinic registers it on the EHR page (its FHIR base URL exactly as the EHR sends it, the client id and secret the EHR gave this app, and the MRN system).`,
        400,
        "This EHR is not registered",
      );
    }
    throw new SmartRefusal("That EHR is no longer registered here; choose another, or ask your admin.", 400, "Unknown EHR");
  }
  const server = await discoverSmartServer(ehr.issuer).catch((error: unknown) => ehrFailure(error, ehr));
  const pending = await beginLaunch(server, client(ehr, redirectUri), "launch" in request ? { launch: request.launch } : {});
  const browserNonce = randomToken();
  await saveLaunchState(db, { state: pending.state, browserNonce, ehrConnectionId: ehr.id, codeVerifier: pending.codeVerifier }, now);
  return { authorizationUrl: pending.authorizationUrl, browserNonce };
}

export interface FinishedLaunch {
  /** For next-auth's "smart-ticket" provider: one use, 60 s. */
  ticket: string;
  patientId: string;
  /** The EHR's origin, which may show the app in a frame from now on (lib/http/frame-ancestor.ts). */
  ehrOrigin: string;
}

const TAKEN_REFUSALS = {
  unknown: "This launch is unknown or was already used (a page reloaded, or an old link). Open the app again from the EHR.",
  expired: "This launch took longer than 10 minutes and has expired. Open the app again from the EHR.",
  "other-browser": "This launch was started in another browser (or this browser blocked the app's cookie), so it cannot be completed here. Open the app again from the EHR, in this browser; if the EHR shows the app in a frame, the browser must allow the app's cookies there (docs/ehr-integration.md).",
} as const;

/** Completes the launch the callback URL answers; see the file comment. */
export async function finishLaunch(db: Db, callbackUrl: string, browserNonce: string | undefined, redirectUri: string, now: Date): Promise<FinishedLaunch> {
  const callback = new URL(callbackUrl);
  const state = callback.searchParams.get("state");
  if (!state) {
    const said = callback.searchParams.get("error_description") ?? callback.searchParams.get("error");
    throw new SmartRefusal(`The EHR sent the browser back without a launch${said ? ` (it said: ${said})` : ""}. Open the app again from the EHR.`, 400, "The launch did not complete");
  }
  const taken = await takeLaunchState(db, state, browserNonce, now);
  if (!taken.ok) throw new SmartRefusal(TAKEN_REFUSALS[taken.reason], 400, "The launch cannot be completed");
  const ehr = await loadEhr(() => findEhrById(db, taken.ehrConnectionId));
  if (!ehr) throw new SmartRefusal("The EHR of this launch was removed meanwhile. Ask your admin.", 400, "Unknown EHR");

  const context = await discoverSmartServer(ehr.issuer)
    .then((server) => completeLaunch(server, client(ehr, redirectUri), callbackUrl, { state, codeVerifier: taken.codeVerifier }, now))
    .catch((error: unknown) => ehrFailure(error, ehr));

  const fhirUser = normaliseFhirUser(context.fhirUser, ehr.issuer);
  if (fhirUser === null) throw new SmartRefusal(`${ehr.name} named the user as "${context.fhirUser}", which is not a user reference this app can link (e.g. Practitioner/123).`, 403, "The EHR user is not known here");
  const user = await findLinkedUser(db, ehr, fhirUser);
  if (!user) {
    throw new SmartRefusal(
      `You are signed in to ${ehr.name} as ${fhirUser}, which is not linked to an active user of this clinic here. Ask your admin to link ${fhirUser} to your account (the EHR page, or npm run cli -- ehr link).`,
      403,
      "The EHR user is not known here",
    );
  }
  const role = decodeRole(user.role, user.id);
  if (!can(role, "patient:view")) {
    throw new SmartRefusal(`Your account (${user.email}) is ${/^[aeiou]/.test(role) ? "an" : "a"} ${role}, a role that does not open patient records; ask your admin.`, 403, "Your role does not open patient records");
  }
  const actor: UserActor = { kind: "user", userId: user.id, clinicId: user.clinicId, role, name: user.name, email: user.email };
  const patient = await importLaunchPatient(db, actor, ehr, context, now).catch((error: unknown) => ehrFailure(error, ehr));
  const ticket = await issueSignInTicket(db, { userId: user.id, ehrConnectionId: ehr.id, fhirUser, patientId: patient.patientId }, now);
  return { ticket, patientId: patient.patientId, ehrOrigin: new URL(ehr.issuer).origin };
}
