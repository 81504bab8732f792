import type { Permission } from "@/lib/data/access/roles";

/**
 * Every page, route handler and server action in app/, with the permission it demands (lib/data/access/roles.ts
 * says which roles hold it). tests/unit/route-access.test.ts fails when a file in app/ is missing
 * here or guards itself with a different permission; tests/e2e/access-matrix.spec.ts walks the
 * pages and route handlers over HTTP as each role, signed out, and from another clinic.
 *
 * "public": reachable without a session (sign-in and its error pages, next-auth's own endpoints).
 * "signed-in": any role; the page only redirects to the role's start page.
 * "cds-client": an EHR calling the CDS Hooks service, authenticated by its signed JWT against
 * CDS_CLIENTS (lib/auth/cds-client-jwt.ts) instead of a session; server to server, so no
 * same-origin check (proxy.ts does not run for these paths).
 */
export type Access = Permission | "public" | "signed-in" | "cds-client";

export const PAGE_ACCESS = {
  "/": "signed-in",
  "/login": "public",
  "/forbidden": "public",
  "/patients": "panel:view",
  "/patients/new": "patient:edit",
  "/patients/[id]": "patient:view",
  "/patients/[id]/edit": "patient:edit",
  "/patients/[id]/assess": "patient:edit",
  "/patients/[id]/medicines": "patient:edit",
  "/patients/[id]/observations": "patient:edit",
  "/patients/[id]/observations/[observationId]": "patient:edit",
  "/patients/[id]/handout": "patient:view",
  // Admins, and the attributed clinician (checked in lib/data/audit/search.ts); others → /forbidden.
  "/patients/[id]/access": "patient:view",
  "/audit": "audit:view",
  "/summary": "summary:view",
  "/report": "summary:view",
  "/thresholds": "thresholds:view",
  "/thresholds/reference": "thresholds:view",
  "/thresholds/edit": "thresholds:edit",
  "/thresholds/compare": "thresholds:view",
  "/thresholds/restore": "thresholds:edit",
  "/import": "import:run",
  "/users": "users:manage",
  "/ehr": "users:manage",
  "/help": "signed-in",
  // SMART App Launch (docs/ehr-integration.md): the user signs in through the launch itself.
  "/smart/start": "public",
  "/smart/complete": "public",
} as const satisfies Record<string, Access>;

/**
 * Pages whose permission admits a role for some records only: besides `also` (held by admins),
 * a clinician may open the page for a patient attributed to them, and is sent to /forbidden for
 * any other. tests/e2e/access-matrix.spec.ts checks both sides.
 */
export const ATTRIBUTED_CLINICIAN_PAGES: Partial<Record<keyof typeof PAGE_ACCESS, Permission>> = {
  "/patients/[id]/access": "audit:view",
};

export const ROUTE_HANDLER_ACCESS = {
  "/api/auth/[...nextauth]": "public",
  "/api/patients": "panel:view",
  "/api/export/cohort": "export:identified",
  "/api/export/fhir": "export:identified",
  "/api/export/fhir/[type]": "export:identified",
  "/api/export/summary": "summary:view",
  "/api/export/deidentified": "export:deidentified",
  "/api/jobs/recompute": "recompute:run",
  "/api/jobs/bulk-sync": "users:manage",
  "/api/import/template": "import:run",
  "/api/import/assessments": "import:run",
  "/api/import/fhir": "import:run",
  "/api/audit/export": "audit:view",
  // CDS Hooks 2.0 (docs/ehr-integration.md): every call, discovery included, carries the client's JWT.
  "/cds-services": "cds-client",
  "/cds-services/[id]": "cds-client",
  "/cds-services/[id]/feedback": "cds-client",
  // SMART App Launch: the EHR's launch and its redirect back; the user is identified by the EHR (lib/smart/launch.ts).
  "/smart/launch": "public",
  "/smart/callback": "public",
} as const satisfies Record<string, Access>;

/** Keyed "<file under app/>#<exported action>". */
export const SERVER_ACTION_ACCESS = {
  "(app)/patients/actions.ts#saveViewAction": "panel:view",
  "(app)/patients/actions.ts#updateViewAction": "panel:view",
  "(app)/patients/actions.ts#deleteViewAction": "panel:view",
  "(app)/patients/[id]/actions.ts#setFlagOutreachAction": "flag:act",
  "(app)/patients/[id]/actions.ts#recordOutreachAttemptAction": "flag:act",
  "(app)/patients/[id]/actions.ts#closeFlagAction": "flag:act",
  "(app)/patients/[id]/actions.ts#reopenFlagAction": "flag:act",
  "(app)/patients/[id]/actions.ts#orderFlagAction": "flag:act",
  "(app)/patients/[id]/actions.ts#postponeFlagAction": "flag:act",
  "(app)/patients/[id]/assess/actions.ts#recordAssessmentAction": "patient:edit",
  "(app)/patients/[id]/observations/actions.ts#correctObservationAction": "patient:edit",
  "(app)/patients/[id]/observations/actions.ts#markEnteredInErrorAction": "patient:edit",
  "(app)/patients/[id]/medicines/actions.ts#addMedicationAction": "patient:edit",
  "(app)/patients/[id]/medicines/actions.ts#stopMedicationAction": "patient:edit",
  "(app)/patients/[id]/medicines/actions.ts#editMedicationAction": "patient:edit",
  "(app)/patients/[id]/medicines/actions.ts#addConditionAction": "patient:edit",
  "(app)/patients/[id]/medicines/actions.ts#resolveConditionAction": "patient:edit",
  "(app)/patients/new/actions.ts#createPatientAction": "patient:edit",
  "(app)/patients/[id]/edit/actions.ts#updatePatientDetailsAction": "patient:edit",
  "(app)/users/actions.ts#addUserAction": "users:manage",
  "(app)/users/actions.ts#disableUserAction": "users:manage",
  "(app)/users/actions.ts#enableUserAction": "users:manage",
  "(app)/users/actions.ts#resetPasswordAction": "users:manage",
  "(app)/users/actions.ts#changeRoleAction": "users:manage",
  "(app)/ehr/actions.ts#saveEhrAction": "users:manage",
  "(app)/ehr/actions.ts#linkEhrUserAction": "users:manage",
  "(app)/ehr/actions.ts#removeEhrAction": "users:manage",
  "(app)/ehr/bulk-actions.ts#saveBulkSettingsAction": "users:manage",
  "(app)/ehr/bulk-actions.ts#startBulkSyncAction": "users:manage",
  "(app)/thresholds/actions.ts#saveThresholdsAction": "thresholds:edit",
  "(app)/thresholds/recompute-actions.ts#startRecomputeAction": "recompute:run",
  "(app)/thresholds/restore/actions.ts#restoreThresholdsAction": "thresholds:edit",
  "(app)/audit/actions.ts#verifyAuditChainAction": "audit:view",
} as const satisfies Record<string, Access>;
