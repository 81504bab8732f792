/**
 * Pure mapping of the app's records to FHIR R4 resources for the cohort export
 * (docs/design.md#fhir-export: NDJSON per resource type plus a Bulk Data manifest). No database, no clock: callers pass
 * plain values and `now`. Codes and units come from lib/domain/fhir-codes.ts — the same table the
 * importer (lib/domain/fhir-map.ts) reads — so an export re-imports to the same patients,
 * observations and medicines.
 *
 * Decisions:
 * - Resource ids are the app's row ids; references are `Patient/<id>`.
 * - Patient: the MRN as an identifier of type v2-0203 `MR` (what the importer reads), system
 *   {@link MRN_SYSTEM}; the given name split at spaces (the importer joins them back).
 * - Observation: the value and unit as reported, coded by the first table entry for the kind
 *   that takes the unit (LOINC first); a unit with no UCUM code for the kind is sent as the
 *   canonical value in the canonical unit. "Unable to complete" is a coded value; the muscle-mass
 *   method is Observation.method. A corrected result is `amended`, one marked in error
 *   `entered-in-error` (the importer skips those).
 * - MedicationStatement: the row's own RxNorm code first (it may be a clinical-drug code), then
 *   the catalogue's RxNorm ingredient and ATC code; `active` unless stopped on or before `now`.
 * - Flag: one per open flag, the flag code as the code, its reason, basis with source, and due date
 *   as text (the words the patient's page shows); its state at the export (overdue, due, due soon,
 *   ordered, postponed…) as a second category in `urn:sarcopenia-screening:flag-state`, and in the text.
 * - RiskAssessment: one per stored evaluation; predictions for the tier, EWGSOP2, AWGS 2019, AWGS
 *   2025 (when stored) and B12 status; method = the rule-set (threshold set) version.
 */
import type {
  CodeableConcept, Coding, Flag, MedicationStatement, Observation, Patient, Quantity, RiskAssessment, RiskAssessmentPrediction,
} from "@medplum/fhirtypes";
import {
  ATC_SYSTEM, AWGS2019_SYSTEM, AWGS2025_SYSTEM, B12_STATUS_SYSTEM, EWGSOP2_SYSTEM, FLAG_CATEGORY_SYSTEM, FLAG_STATE_SYSTEM, FLAG_SYSTEM, IDENTIFIER_TYPE_SYSTEM, MASS_METHOD_CODES,
  MASS_METHOD_SYSTEM, MRN_SYSTEM, OBSERVATION_CATEGORY, OBSERVATION_CATEGORY_SYSTEM, RISK_PROBABILITY_SYSTEM, RULE_SET_SYSTEM,
  RXNORM_CLINICAL_DRUGS, RXNORM_SYSTEM, TIER_SYSTEM, UCUM_SYSTEM, UNABLE_CODE, exportCodeFor,
} from "./fhir-codes";
import { AWGS2019_LABELS, AWGS2025_LABELS, B12_STATUS_LABELS, EWGSOP2_LABELS, FLAG_LABELS, TIER_LABELS } from "./labels";
import { FLAG_STATE_LABELS, type FlagStateView } from "./flag-lifecycle";
import { findMedicineById } from "./medicine-catalogue";
import type { Awgs2019Category, Awgs2025Category, B12Status, Ewgsop2Category, FlagCode, Sex, StoredObservation, Tier } from "./types";
import { CANONICAL_UNIT } from "./units";

export const FHIR_EXPORT_TYPES = ["Patient", "Observation", "MedicationStatement", "Flag", "RiskAssessment"] as const;
export type FhirExportType = (typeof FHIR_EXPORT_TYPES)[number];

export function emptyFhirCounts(): Record<FhirExportType, number> {
  return { Patient: 0, Observation: 0, MedicationStatement: 0, Flag: 0, RiskAssessment: 0 };
}

export function isFhirExportType(value: string): value is FhirExportType {
  return (FHIR_EXPORT_TYPES as readonly string[]).includes(value);
}

export interface ExportPatientInput {
  id: string;
  mrn: string;
  familyName: string;
  givenName: string;
  birthDate: Date;
  sex: Sex;
  deceasedAt: Date | null;
}

export interface ExportObservationInput extends StoredObservation {
  id: string;
  patientId: string;
  /** "final" or "entered_in_error" (lib/data/patients/observations.ts). */
  status: string;
  /** Above 1 once corrected. */
  version: number;
  note: string | null;
}

export interface ExportMedicationInput {
  id: string;
  patientId: string;
  catalogueId: string | null;
  name: string;
  atcCode: string | null;
  rxnormCode: string | null;
  startedOn: Date | null;
  stoppedOn: Date | null;
}

export interface ExportFlagInput {
  id: string;
  patientId: string;
  code: FlagCode;
  openedAt: Date;
  dueAt: Date;
  reasonText: string;
  /** The flag's basis and source as the engine wrote them ("Basis: … (source)"); null for a flag stored without one. */
  basisText?: string | null;
  /** The flag's state at the export time (lib/domain/flag-lifecycle.ts `flagState`). */
  state: FlagStateView;
}

export interface ExportRiskInput {
  id: string;
  patientId: string;
  tier: Tier;
  ewgsop2: Ewgsop2Category;
  awgs2019: Awgs2019Category;
  /** Null for a snapshot written before AWGS 2025 was stored: no prediction is made up for it. */
  awgs2025?: Awgs2025Category | null;
  b12Status: B12Status;
  b12OnTreatment: boolean;
  ruleSetVersion: number;
  evaluatedAt: Date;
  /** The engine's sentences for the tier (Evaluation.tierReasons). */
  tierReasons: readonly string[];
}

const patientRef = (patientId: string) => ({ reference: `Patient/${patientId}` });
const isoDate = (d: Date) => d.toISOString().slice(0, 10);
/** A FHIR dateTime: the date alone when the time is midnight UTC (how the app stores dates), else the instant. */
const fhirDateTime = (d: Date) => (d.toISOString().endsWith("T00:00:00.000Z") ? isoDate(d) : d.toISOString());

/** FHIR administrative gender of each sex the app records. */
const FHIR_GENDER: ReadonlyMap<string, "male" | "female" | "unknown"> = new Map([["male", "male"], ["female", "female"], ["unknown", "unknown"]]);

export function toFhirPatient(p: ExportPatientInput): Patient {
  const given = p.givenName.split(/\s+/).filter((g) => g !== "");
  return {
    resourceType: "Patient",
    id: p.id,
    identifier: [
      {
        use: "usual",
        type: { coding: [{ system: IDENTIFIER_TYPE_SYSTEM, code: "MR", display: "Medical record number" }], text: "MRN" },
        system: MRN_SYSTEM,
        value: p.mrn,
      },
    ],
    name: [{ use: "official", family: p.familyName, ...(given.length > 0 ? { given } : {}) }],
    // Read through a Map: a stored value outside the vocabulary (an old row) exports as "unknown", never as itself.
    gender: FHIR_GENDER.get(p.sex) ?? "unknown",
    birthDate: isoDate(p.birthDate),
    ...(p.deceasedAt ? { deceasedDateTime: p.deceasedAt.toISOString() } : {}),
  };
}

/** The value as reported when the table has a UCUM code for its unit, else the canonical value. */
function quantityOf(o: ExportObservationInput): { coding: Coding; quantity: Quantity } {
  const reported = Number(o.reportedValue);
  const asReported = Number.isFinite(reported) ? exportCodeFor(o.kind, o.reportedUnit) : null;
  const chosen = asReported ?? exportCodeFor(o.kind, CANONICAL_UNIT[o.kind]);
  if (!chosen) throw new Error(`fhir-codes.ts has no code for ${o.kind} in ${CANONICAL_UNIT[o.kind]}`);
  const value = asReported ? reported : o.value!;
  const unit = asReported ? o.reportedUnit : CANONICAL_UNIT[o.kind];
  const { mapping, ucum } = chosen;
  return {
    coding: { system: mapping.system, code: mapping.code, display: mapping.display },
    quantity: { value, unit, system: UCUM_SYSTEM, code: ucum },
  };
}

function observationStatus(o: ExportObservationInput): Observation["status"] {
  if (o.status === "entered_in_error") return "entered-in-error";
  return o.version > 1 ? "amended" : "final";
}

export function toFhirObservation(o: ExportObservationInput): Observation {
  let coding: Coding;
  let value: Pick<Observation, "valueQuantity" | "valueCodeableConcept">;
  if (o.isUnable) {
    const chosen = exportCodeFor(o.kind, CANONICAL_UNIT[o.kind]);
    if (!chosen) throw new Error(`fhir-codes.ts has no code for ${o.kind}`);
    coding = { system: chosen.mapping.system, code: chosen.mapping.code, display: chosen.mapping.display };
    value = { valueCodeableConcept: { coding: [{ ...UNABLE_CODE }], text: "unable to complete" } };
  } else {
    const q = quantityOf(o);
    coding = q.coding;
    value = { valueQuantity: q.quantity };
  }
  const category = OBSERVATION_CATEGORY[o.kind];
  return {
    resourceType: "Observation",
    id: o.id,
    status: observationStatus(o),
    category: [{ coding: [{ system: OBSERVATION_CATEGORY_SYSTEM, code: category }] }],
    code: { coding: [coding], text: coding.display },
    subject: patientRef(o.patientId),
    effectiveDateTime: o.observedAt.toISOString(),
    ...value,
    ...(o.method ? { method: { coding: [{ system: MASS_METHOD_SYSTEM, ...MASS_METHOD_CODES[o.method] }], text: MASS_METHOD_CODES[o.method].display } } : {}),
    ...(o.note ? { note: [{ text: o.note }] } : {}),
  };
}

function medicationConcept(m: ExportMedicationInput): CodeableConcept {
  const entry = m.catalogueId ? findMedicineById(m.catalogueId) : null;
  const coding: Coding[] = [];
  if (m.rxnormCode) {
    const clinical = RXNORM_CLINICAL_DRUGS.find((d) => d.rxnorm === m.rxnormCode);
    const display = clinical?.display ?? (entry?.rxnormIngredient === m.rxnormCode ? entry.genericName : undefined);
    coding.push({ system: RXNORM_SYSTEM, code: m.rxnormCode, ...(display ? { display } : {}) });
  }
  if (entry?.rxnormIngredient && entry.rxnormIngredient !== m.rxnormCode) {
    coding.push({ system: RXNORM_SYSTEM, code: entry.rxnormIngredient, display: entry.genericName });
  }
  const atc = m.atcCode ?? entry?.atc ?? null;
  if (atc) coding.push({ system: ATC_SYSTEM, code: atc, ...(entry?.atc === atc ? { display: entry.genericName } : {}) });
  return { ...(coding.length > 0 ? { coding } : {}), text: m.name };
}

export function toFhirMedicationStatement(m: ExportMedicationInput, now: Date): MedicationStatement {
  const isStopped = m.stoppedOn !== null && m.stoppedOn.getTime() <= now.getTime();
  const period = {
    ...(m.startedOn ? { start: fhirDateTime(m.startedOn) } : {}),
    ...(m.stoppedOn ? { end: fhirDateTime(m.stoppedOn) } : {}),
  };
  return {
    resourceType: "MedicationStatement",
    id: m.id,
    status: isStopped ? "stopped" : "active",
    medicationCodeableConcept: medicationConcept(m),
    subject: patientRef(m.patientId),
    ...(Object.keys(period).length > 0 ? { effectivePeriod: period } : {}),
  };
}

export function toFhirFlag(f: ExportFlagInput): Flag {
  return {
    resourceType: "Flag",
    id: f.id,
    status: "active",
    category: [
      { coding: [{ system: FLAG_CATEGORY_SYSTEM, code: "clinical", display: "Clinical" }] },
      { coding: [{ system: FLAG_STATE_SYSTEM, code: f.state.state, display: FLAG_STATE_LABELS[f.state.state] }], text: f.state.text },
    ],
    code: { coding: [{ system: FLAG_SYSTEM, code: f.code, display: FLAG_LABELS[f.code] }], text: `${FLAG_LABELS[f.code]}, due ${isoDate(f.dueAt)} (${f.state.text}): ${f.reasonText}${f.basisText ? ` ${f.basisText}` : ""}` },
    subject: patientRef(f.patientId),
    period: { start: f.openedAt.toISOString() },
  };
}

/** The tier as a qualitative risk (FHIR risk-probability codes); unassessed has none. */
const TIER_RISK: Record<Tier, "high" | "moderate" | "low" | null> = { high: "high", elevated: "moderate", low: "low", unassessed: null };

function prediction(system: string, code: string, label: string, what: string, extra: Partial<RiskAssessmentPrediction> = {}): RiskAssessmentPrediction {
  return { outcome: { coding: [{ system, code, display: label }], text: `${what}: ${label}` }, ...extra };
}

export function toFhirRiskAssessment(r: ExportRiskInput): RiskAssessment {
  const risk = TIER_RISK[r.tier];
  const b12Label = `${B12_STATUS_LABELS[r.b12Status]}${r.b12OnTreatment ? " (on B12 replacement)" : ""}`;
  return {
    resourceType: "RiskAssessment",
    id: r.id,
    status: "final",
    subject: patientRef(r.patientId),
    occurrenceDateTime: r.evaluatedAt.toISOString(),
    method: { coding: [{ system: RULE_SET_SYSTEM, code: String(r.ruleSetVersion), display: `Threshold set version ${r.ruleSetVersion}` }], text: `Screening rules, threshold set version ${r.ruleSetVersion}` },
    prediction: [
      prediction(TIER_SYSTEM, r.tier, TIER_LABELS[r.tier], "Screening tier", {
        ...(risk ? { qualitativeRisk: { coding: [{ system: RISK_PROBABILITY_SYSTEM, code: risk }] } } : {}),
        ...(r.tierReasons.length > 0 ? { rationale: r.tierReasons.join(" ") } : {}),
      }),
      prediction(EWGSOP2_SYSTEM, r.ewgsop2, EWGSOP2_LABELS[r.ewgsop2], "EWGSOP2"),
      prediction(AWGS2019_SYSTEM, r.awgs2019, AWGS2019_LABELS[r.awgs2019], "AWGS 2019"),
      ...(r.awgs2025 ? [prediction(AWGS2025_SYSTEM, r.awgs2025, AWGS2025_LABELS[r.awgs2025], "AWGS 2025")] : []),
      prediction(B12_STATUS_SYSTEM, r.b12Status, b12Label, "Vitamin B12 status"),
    ],
  };
}

/** One NDJSON line (the resource as compact JSON and a newline). */
export function toNdjsonLine(resource: object): string {
  return `${JSON.stringify(resource)}\n`;
}

export interface ExportManifestOutput {
  type: FhirExportType;
  url: string;
  count: number;
}

/** FHIR Bulk Data export manifest (the "complete" response of a bulk export). */
export interface ExportManifest {
  transactionTime: string;
  request: string;
  requiresAccessToken: boolean;
  output: ExportManifestOutput[];
  error: { type: "OperationOutcome"; url: string }[];
}

export function buildExportManifest(input: {
  transactionTime: Date;
  request: string;
  requiresAccessToken: boolean;
  counts: Record<FhirExportType, number>;
  urlOf: (type: FhirExportType) => string;
}): ExportManifest {
  return {
    transactionTime: input.transactionTime.toISOString(),
    request: input.request,
    requiresAccessToken: input.requiresAccessToken,
    output: FHIR_EXPORT_TYPES.map((type) => ({ type, url: input.urlOf(type), count: input.counts[type] })),
    error: [],
  };
}
