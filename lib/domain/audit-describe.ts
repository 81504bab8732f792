import { FLAG_LABELS } from "./labels";
import { MEASURE_LABELS } from "./measures";
import { CLOSE_REASON_LABELS, OUTREACH_LABELS } from "./flag-lifecycle";
import { OUTREACH_CHANNEL_LABELS, OUTREACH_OUTCOME_LABELS } from "./outreach";
import type { FlagCode, MeasureKind } from "./types";
import { formatThresholdValue, isThresholdKey, THRESHOLD_CATALOGUE } from "./thresholds";
import { thresholdLabel } from "./threshold-governance";

/**
 * Every action the audit log records (lib/data/audit/log.ts writes them), with the words the audit
 * pages show for it. A new action fails to compile until it has a label.
 */
export const AUDIT_ACTIONS = [
  "patient.view",
  "patient.search",
  "patient.create",
  "patient.update",
  "observation.create",
  "observation.update",
  "observation.entered_in_error",
  "medication.change",
  "flag.update",
  "view.create",
  "view.update",
  "view.delete",
  "import.run",
  "export.run",
  "thresholds.update",
  "recompute.run",
  "user.create",
  "user.disable",
  "user.enable",
  "user.role_change",
  "user.password_reset",
  "user.login",
  "user.login_failed",
  "seed.run",
  "audit.view",
  "audit.search",
  "audit.export",
  "audit.verify",
  "cds.feedback",
  "ehr.save",
  "ehr.remove",
  "ehr.user_link",
  "ehr.bulk_settings",
  "bulk.sync",
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export const AUDIT_ACTION_LABELS: Record<AuditAction, string> = {
  "patient.view": "Viewed the record",
  "patient.search": "Searched the panel",
  "patient.create": "Created a patient",
  "patient.update": "Changed the record",
  "observation.create": "Entered a result",
  "observation.update": "Corrected a result",
  "observation.entered_in_error": "Marked a result entered in error",
  "medication.change": "Changed a medicine",
  "flag.update": "Acted on a flag",
  "view.create": "Saved a view",
  "view.update": "Changed a saved view",
  "view.delete": "Deleted a saved view",
  "import.run": "Imported data",
  "export.run": "Exported a cohort",
  "thresholds.update": "Changed thresholds",
  "recompute.run": "Re-evaluated the clinic",
  "user.create": "Added a user",
  "user.disable": "Disabled a user",
  "user.enable": "Enabled a user again",
  "user.role_change": "Changed a user's role",
  "user.password_reset": "Reset a user's password",
  "user.login": "Signed in",
  "user.login_failed": "Sign-in refused",
  "seed.run": "Created demo data",
  "audit.view": "Viewed who accessed the record",
  "audit.search": "Searched the audit log",
  "audit.export": "Downloaded audit events",
  "audit.verify": "Verified the audit chain",
  "cds.feedback": "EHR feedback on screening cards",
  "ehr.save": "Registered or changed an EHR",
  "ehr.remove": "Removed an EHR",
  "ehr.user_link": "Linked a user to the EHR",
  "ehr.bulk_settings": "Set up Bulk Data sync from the EHR",
  "bulk.sync": "Synced patients from the EHR (Bulk Data)",
};

export function isAuditAction(value: string): value is AuditAction {
  return (AUDIT_ACTIONS as readonly string[]).includes(value);
}

type Detail = Record<string, unknown>;

/** The patient details an edit can change (lib/data/patients/details.ts), as the audit pages name them. */
const DETAIL_LABELS: Record<string, string> = { familyName: "family name", givenName: "given name", birthDate: "birth date", sex: "sex", diet: "diet" };

function asDetail(value: unknown): Detail {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Detail) : {};
}

function text(value: unknown): string | null {
  if (typeof value === "string" && value !== "") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return null;
}

function count(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

function measure(kind: unknown): string {
  return typeof kind === "string" && Object.hasOwn(MEASURE_LABELS, kind) ? MEASURE_LABELS[kind as MeasureKind] : text(kind) ?? "a result";
}

function flagLabel(code: unknown): string {
  return typeof code === "string" && Object.hasOwn(FLAG_LABELS, code) ? FLAG_LABELS[code as FlagCode] : text(code) ?? "a flag";
}

function reported(value: unknown): string {
  const d = asDetail(value);
  if (d.isUnable === true) return "unable";
  return [text(d.reportedValue), text(d.reportedUnit)].filter((v) => v !== null).join(" ") || "—";
}

function plural(n: number, one: string, many: string = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function thresholdValue(value: unknown): number | boolean | string | null {
  return typeof value === "number" || typeof value === "boolean" || typeof value === "string" ? value : null;
}

/** A threshold audit's changes, each "EWGSOP2 · Low strength: grip, women: 16 → 20 kg". */
function describeThresholdChanges(changes: unknown[]): string[] {
  return changes.map(asDetail).map((change) => {
    const key = text(change.key) ?? "?";
    const entry = isThresholdKey(key) ? THRESHOLD_CATALOGUE.find((e) => e.key === key) : undefined;
    const unit = entry?.unit ?? "";
    const from = thresholdValue(change.from);
    const to = thresholdValue(change.to);
    const fromText = typeof from === "number" && typeof to === "number" ? String(from) : formatThresholdValue(from, unit);
    return `${entry ? thresholdLabel(entry) : key}: ${fromText} → ${formatThresholdValue(to, unit)}`;
  });
}

/**
 * What an audit event did, in a sentence for the audit pages. `patientId`, when given, is the
 * patient whose page asks: a search or an import that merely listed them says so.
 */
export function describeAuditEvent(action: string, detailValue: unknown, patientId?: string): string {
  const d = asDetail(detailValue);
  switch (action) {
    case "patient.view":
      return "Opened the patient's record.";
    case "patient.search": {
      const total = count(d.total);
      const shown = Array.isArray(d.patientIds) ? d.patientIds.length : null;
      const query = asDetail(d.query);
      const filters = Object.entries(query)
        .filter(([key, value]) => text(value) !== null && !["sort", "dir", "size", "page"].includes(key))
        .map(([key, value]) => `${key} ${text(value)}`);
      const listed = patientId ? "The patient was listed in the results" : `Listed ${plural(shown ?? 0, "patient")}`;
      return `${listed} of a panel search${total !== null ? ` (${plural(total, "match", "matches")})` : ""}${filters.length > 0 ? `; filters: ${filters.join(", ")}` : ""}.`;
    }
    case "patient.create":
      return `Created the patient${text(d.mrn) ? ` (MRN ${text(d.mrn)})` : ""}.`;
    case "patient.update": {
      const change = text(d.change);
      const code = text(d.code);
      if (change === "condition.add") return `Recorded the condition ${code ?? ""}.`.replace(" .", ".");
      if (change === "condition.resolve") return `Marked the condition ${code ?? ""} resolved.`.replace(" .", ".");
      if (change === "finding.add") {
        const what = text(d.kind) === "yubi_wakka" ? `the Yubi-wakka result ${code ?? ""}` : `the B12 symptom ${code ?? ""}`;
        return `Recorded ${what}${text(d.recordedAt) ? ` on ${text(d.recordedAt)!.slice(0, 10)}` : ""}.`;
      }
      if (change === "details" && Array.isArray(d.fields)) {
        const fields = d.fields.map(asDetail).map((f) => `${DETAIL_LABELS[text(f.field) ?? ""] ?? text(f.field) ?? "a field"} ${text(f.before) ?? "not recorded"} → ${text(f.after) ?? "not recorded"}`);
        if (fields.length > 0) return `Changed ${fields.join("; ")}.`;
      }
      return "Changed the patient's details.";
    }
    case "observation.create":
      return `Entered ${measure(d.kind)}: ${reported(d)}${text(d.observedAt) ? ` on ${text(d.observedAt)!.slice(0, 10)}` : ""}.`;
    case "observation.update": {
      const before = asDetail(d.before);
      return `Corrected ${measure(before.kind ?? asDetail(d.after).kind)} from ${reported(before)} to ${reported(d.after)}.`;
    }
    case "observation.entered_in_error": {
      const value = asDetail(d.value);
      return `Marked ${measure(value.kind)} (${reported(value)}) entered in error${text(d.reason) ? `: ${text(d.reason)}` : ""}.`;
    }
    case "medication.change": {
      const name = text(d.name) ?? "a medicine";
      const change = text(d.change);
      if (change === "add") return `Added ${name}${text(d.startedOn) ? ` from ${text(d.startedOn)}` : ""}.`;
      if (change === "stop") return `Stopped ${name} on ${text(asDetail(d.after).stoppedOn) ?? "a date"}.`;
      const before = asDetail(d.before);
      const after = asDetail(d.after);
      return `Changed ${name}: started ${text(before.startedOn) ?? "—"} → ${text(after.startedOn) ?? "—"}, stopped ${text(before.stoppedOn) ?? "—"} → ${text(after.stoppedOn) ?? "—"}.`;
    }
    case "flag.update": {
      const flag = flagLabel(d.code);
      const change = text(d.change);
      if (change === "outreach") {
        const label = (v: unknown) => (typeof v === "string" && Object.hasOwn(OUTREACH_LABELS, v) ? OUTREACH_LABELS[v as keyof typeof OUTREACH_LABELS] : text(v) ?? "—");
        return `${flag}: outreach ${label(d.from)} → ${label(d.to)}.`;
      }
      if (change === "outreach_attempt") {
        const channel = typeof d.channel === "string" && Object.hasOwn(OUTREACH_CHANNEL_LABELS, d.channel) ? OUTREACH_CHANNEL_LABELS[d.channel as keyof typeof OUTREACH_CHANNEL_LABELS] : text(d.channel);
        const outcome = typeof d.outcome === "string" && Object.hasOwn(OUTREACH_OUTCOME_LABELS, d.outcome) ? OUTREACH_OUTCOME_LABELS[d.outcome as keyof typeof OUTREACH_OUTCOME_LABELS] : text(d.outcome);
        const next = text(d.nextAttemptOn);
        return `${flag}: outreach attempt ${count(d.attempt) ?? "?"} by ${(channel ?? "?").toLowerCase()}, ${(outcome ?? "?").toLowerCase()}${next ? `; next attempt ${next}` : ""}.`;
      }
      if (change === "close") {
        const reason = typeof d.reason === "string" && Object.hasOwn(CLOSE_REASON_LABELS, d.reason) ? CLOSE_REASON_LABELS[d.reason as keyof typeof CLOSE_REASON_LABELS] : text(d.reason);
        return `Closed ${flag}${reason ? ` (${reason})` : ""}${text(d.note) ? `: ${text(d.note)}` : ""}.`;
      }
      if (change === "reopen") return `Reopened ${flag}.`;
      return `Changed ${flag}.`;
    }
    case "view.create":
      return `Saved the view "${text(d.name) ?? "?"}"${d.isShared === true ? ", shared with the clinic" : ""}.`;
    case "view.update":
      return `Changed a saved view (${Object.keys(asDetail(d.changes)).join(", ") || "no fields"}).`;
    case "view.delete":
      return `Deleted the saved view "${text(d.name) ?? "?"}".`;
    case "import.run": {
      const name = d.via === "SMART launch" ? `the record from ${text(d.ehr) ?? "the EHR"} (SMART launch)` : (text(d.fileName) ?? (text(d.format) === "fhir" ? "FHIR files" : "a file"));
      const status = text(d.status) ?? "run";
      if (patientId) {
        const patients = asDetail(d.patients);
        const created = Array.isArray(patients.created) && patients.created.includes(patientId);
        return `${created ? "Created" : "Updated"} the patient by importing ${name}.`;
      }
      const rows = count(d.rowsTotal);
      return `Imported ${name} (${status}${rows !== null ? `, ${plural(rows, "row")}` : ""}${d.dryRun === true ? ", dry run" : ""}).`;
    }
    case "export.run": {
      const rows = count(d.rows);
      return `Exported ${text(d.format)?.toUpperCase() ?? "a"} cohort${rows !== null ? ` of ${plural(rows, "patient")}` : ""}${d.completed === false ? " (stopped early)" : ""}.`;
    }
    case "thresholds.update": {
      const restored = text(d.restoredFromVersion);
      const saved = restored ? `Restored threshold version ${restored} as version ${text(d.version) ?? "?"}` : `Saved threshold set version ${text(d.version) ?? "?"}`;
      const changes = Array.isArray(d.changes) ? describeThresholdChanges(d.changes) : [];
      const confirmed = Array.isArray(d.confirmedDeviations) ? d.confirmedDeviations.length : 0;
      return [
        `${saved}${text(d.effectiveFrom) ? ` effective ${text(d.effectiveFrom)!.slice(0, 10)}` : ""}${text(d.note) ? ` (${text(d.note)})` : ""}.`,
        changes.length > 0 ? ` Changed: ${changes.join("; ")}.` : "",
        confirmed > 0 ? ` ${plural(confirmed, "value")} more than 10 % from the guideline confirmed.` : "",
      ].join("");
    }
    case "recompute.run":
      return `Re-evaluated ${plural(count(d.evaluated) ?? 0, "patient")} (${text(d.status) ?? "run"}).`;
    case "user.create":
      return `Added ${text(d.email) ?? "a user"} as ${text(d.role) ?? "a user"}.`;
    case "user.disable":
      return `Disabled ${text(d.email) ?? "a user"}${count(d.sessionsEnded) ? ` and ended ${plural(count(d.sessionsEnded)!, "open session")}` : ""}.`;
    case "user.enable":
      return `Let ${text(d.email) ?? "a user"} sign in again.`;
    case "user.role_change":
      return `Changed ${text(d.email) ?? "a user"}'s role from ${text(d.before) ?? "?"} to ${text(d.after) ?? "?"}.`;
    case "user.password_reset":
      return `Reset ${text(d.email) ?? "a user"}'s password${count(d.sessionsEnded) ? ` and ended ${plural(count(d.sessionsEnded)!, "open session")}` : ""}.`;
    case "user.login":
      return `Signed in${d.via === "SMART launch" ? ` by a SMART launch from ${text(d.ehr) ?? "an EHR"} as ${text(d.fhirUser) ?? "?"}` : ""}${text(d.address) ? ` from ${text(d.address)}` : ""}.`;
    case "user.login_failed":
      return `Sign-in refused (${d.reason === "disabled" ? "the account is disabled" : "wrong password"})${text(d.address) ? ` from ${text(d.address)}` : ""}.`;
    case "seed.run":
      return `Created ${plural(count(d.patients) ?? 0, "demo patient")}.`;
    case "audit.view":
      return "Looked at who has seen or changed the record.";
    case "audit.search":
      return "Searched the audit log.";
    case "audit.export":
      return `Downloaded ${plural(count(d.rows) ?? 0, "audit event")} as CSV.`;
    case "audit.verify": {
      if (d.ok === true) return `Verified the audit chain: ${plural(count(d.checked) ?? 0, "event")} intact.`;
      // Newest events deleted: no event to name, only the first missing position in the chain.
      const at = text(d.brokenAtSeq);
      const missingFrom = text(d.brokenAtChainSeq);
      return `Verified the audit chain: broken ${at ? `at event ${at}` : missingFrom ? `from no. ${missingFrom} of the clinic's chain on` : "(see the verification's message)"}.`;
    }
    case "cds.feedback": {
      const items = Array.isArray(d.feedback) ? d.feedback.map(asDetail) : [];
      const accepted = items.filter((item) => item.outcome === "accepted").length;
      const service = text(d.service);
      return `The EHR reported ${plural(accepted, "card")} accepted and ${plural(items.length - accepted, "card")} overridden${service ? ` (${service})` : ""}.`;
    }
    case "ehr.save":
      return `${d.created === true ? "Registered" : "Changed"} the EHR "${text(d.name) ?? "?"}" (${text(d.issuer) ?? "?"}, client ${text(d.clientId) ?? "?"}${d.secretChanged === true ? ", new client secret" : ""}).`;
    case "ehr.remove":
      return `Removed the EHR "${text(d.name) ?? "?"}" (${text(d.issuer) ?? "?"}) and its ${plural(typeof d.linkedUsers === "number" ? d.linkedUsers : 0, "user link")}.`;
    case "ehr.user_link": {
      const who = text(d.email) ?? "a user";
      const after = text(d.after);
      return after ? `Linked ${who} to ${after} in ${text(d.ehr) ?? "the EHR"}.` : `Unlinked ${who} from ${text(d.before) ?? "their user"} in ${text(d.ehr) ?? "the EHR"}.`;
    }
    case "ehr.bulk_settings":
      return text(d.clientId)
        ? `Set up Bulk Data sync from "${text(d.ehr) ?? "the EHR"}" (client ${text(d.clientId)}, from ${text(d.fhirBaseUrl) ?? "?"}${text(d.groupId) ? `, Group ${text(d.groupId)}` : ", every patient"}${d.keyChanged === true ? ", new private key" : ""}).`
        : `Turned off Bulk Data sync from "${text(d.ehr) ?? "the EHR"}".`;
    case "bulk.sync":
      return `Synced ${plural(typeof d.files === "number" ? d.files : 0, "file")} from ${text(d.fhirBaseUrl) ?? "the EHR"} (${text(d.since) ? `changes since ${text(d.since)}` : "everything: first sync"}${d.resumed === true ? "; resumed after an interruption" : ""}).`;
    default:
      return action;
  }
}
