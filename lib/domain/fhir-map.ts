/**
 * Pure mapping of FHIR R4 resources (parsed JSON) to the app's inputs, with a reason for every
 * rejection. No database, no I/O: lib/data/import/fhir.ts does the writing. The codes and units
 * come from lib/domain/fhir-codes.ts only.
 *
 * Local types instead of `@types/fhir`: only the fields read here, all read defensively from
 * `unknown` JSON.
 *
 * Decisions (see also fhir-codes.ts):
 * - MRN: the value of the identifier whose type is v2-0203 `MR`; else the resource id. Other
 *   identifiers (SSN, driving licence, passport) are never used as the MRN.
 * - gender male/female → sex male/female; other, unknown or absent → unknown.
 * - A code under http://loinc.org must have LOINC's form (`^\d{1,7}-\d$`) and its mod-10 check
 *   digit, else the Observation is rejected as mislabelled. An unmapped code is rejected too.
 * - Units: the UCUM code (valueQuantity.code, or .unit when no code is given) must be one the
 *   table lists for the code, matched exactly; `[lb_av]` converts to kg, `lbs` is rejected.
 * - "Unable to complete" (chair stand, 400 m walk) comes as valueCodeableConcept with the app's
 *   `unable` result code, as the exporter writes it; the muscle-mass method (DXA/BIA) as
 *   Observation.method with the app's method codes.
 * - Text the app stores (MRN, names, ids, references, a free-text medicine name, codes) is held to
 *   lib/domain/text-rules.ts: a length limit per field and no control, escape or
 *   text-direction characters; a resource breaking it is rejected naming the field.
 * - Medicines: RxNorm ingredient or ATC code (catalogue), then the table of RxNorm clinical-drug
 *   codes, then the ingredient names in the drug's display text (RxNorm clinical-drug names start
 *   with the ingredient: "24 HR Metformin hydrochloride 500 MG …" → metformin), matched exactly
 *   with `matchMedicine`; otherwise kept as free text (which the rules ignore).
 * - Findings (mapFinding): a Condition or Observation coded with a SNOMED CT concept of the NICE
 *   NG239 symptom table is that symptom, dated by its onset, effective or recorded date; the
 *   Yubi-wakka result comes only under the app's own code. A finding without a date is rejected
 *   (a symptom counts only within the look-back window); one resolved, refuted or recorded as
 *   absent is skipped.
 */
import { matchMedicine, matchMedicineByCode, findMedicineById, type CatalogueEntry } from "./medicine-catalogue";
import { YUBI_WAKKA_RESULTS, type B12SymptomCode, type ConditionCode, type MassMethod, type MeasureKind, type Sex, type StoredObservation, type YubiWakkaResult } from "./types";
import { UnitError, toCanonical } from "./units";
import {
  ABSENT_QUALIFIER, ATC_SYSTEM, B12_SYMPTOM_MAPPINGS, CONDITION_MAPPINGS, DRUG_NAME_ALIASES, ICD10_SYSTEMS, LOINC_SYSTEM, MASS_METHOD_CODES, MASS_METHOD_SYSTEM, OBSERVATION_CODES,
  RXNORM_CLINICAL_DRUGS, RXNORM_SYSTEM, SNOMED_SYSTEM, UCUM_SYSTEM, UNABLE_CODE, UNABLE_KINDS, YUBI_WAKKA_CODE, YUBI_WAKKA_RESULT_SYSTEM, appUnitOf,
  type ObservationCodeMapping,
} from "./fhir-codes";
import { CANONICAL_UNIT } from "./units";
import { checkPlausibility } from "./plausibility";
import { printable, textProblem, TEXT_LIMITS } from "./text-rules";

export type Json = Record<string, unknown>;

export interface FhirCoding {
  system: string | null;
  code: string | null;
  display: string | null;
}

export interface Rejection {
  resourceType: string;
  id: string | null;
  system: string | null;
  code: string | null;
  reason: string;
}

export type MapResult<T> =
  | { status: "ok"; value: T }
  | { status: "skipped"; reason: string }
  | { status: "rejected"; rejection: Rejection };

export interface MappedPatient {
  fhirId: string | null;
  mrn: string;
  mrnFrom: "MR identifier" | "resource id";
  familyName: string;
  givenName: string;
  birthDate: Date;
  sex: Sex;
  deceasedAt: Date | null;
}

export interface MappedObservation extends StoredObservation {
  fhirId: string;
  subject: string;
  mapping: ObservationCodeMapping;
}

export interface MappedMedication {
  fhirId: string;
  resourceType: "MedicationRequest" | "MedicationStatement";
  subject: string;
  catalogueId: string | null;
  name: string;
  atcCode: string | null;
  rxnormCode: string | null;
  startedOn: Date | null;
  stoppedOn: Date | null;
  matchedBy: "code" | "clinical_drug_code" | "display" | "free_text";
}

/** A dated finding: a NICE NG239 symptom or sign of B12 deficiency, or a Yubi-wakka result. */
export type FindingValue =
  | { kind: "b12_symptom"; code: B12SymptomCode; recordedAt: Date }
  | { kind: "yubi_wakka"; code: YubiWakkaResult; recordedAt: Date };

export interface MappedFinding {
  fhirId: string;
  resourceType: "Condition" | "Observation";
  subject: string;
  finding: FindingValue;
  /** The code that named it, for reports. */
  coding: FhirCoding;
}

export interface MappedCondition {
  fhirId: string;
  subject: string;
  condition: ConditionCode;
  recordedAt: Date | null;
  resolvedAt: Date | null;
}

// ---------- JSON helpers ----------

export function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
function str(o: Json, key: string): string | null {
  const v = o[key];
  return typeof v === "string" && v.trim() !== "" ? v.trim() : null;
}
function obj(o: Json, key: string): Json | null {
  const v = o[key];
  return isObject(v) ? v : null;
}
function arr(o: Json, key: string): Json[] {
  const v = o[key];
  return Array.isArray(v) ? v.filter(isObject) : [];
}

export function codings(concept: Json | null): FhirCoding[] {
  if (!concept) return [];
  return arr(concept, "coding").map((c) => ({ system: str(c, "system"), code: str(c, "code"), display: str(c, "display") }));
}

/** A FHIR date or dateTime; date-only values are midnight UTC. Null when absent or invalid. */
export function parseFhirDate(value: unknown): Date | null {
  if (typeof value !== "string") return null;
  const text = value.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    const d = new Date(`${text}T00:00:00Z`);
    return Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== text ? null : d;
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text)) return null;
  const d = new Date(text);
  return Number.isNaN(d.getTime()) ? null : d;
}

/**
 * A rejection. Its texts echo the resource (ids, codes, the odd value in the reason), and are
 * shown in the browser, printed by the CLI and kept on the ImportJob: control characters in them
 * are written out as escapes so they cannot act on a terminal or hide in a page.
 */
function reject(resource: Json, reason: string, coding?: FhirCoding | null): { status: "rejected"; rejection: Rejection } {
  const shown = (text: string | null | undefined) => (text === null || text === undefined ? null : printable(text));
  return {
    status: "rejected",
    rejection: {
      resourceType: shown(str(resource, "resourceType")) ?? "unknown",
      id: shown(str(resource, "id")),
      system: shown(coding?.system),
      code: shown(coding?.code),
      reason: printable(reason),
    },
  };
}

/**
 * The first stored text field of a resource that breaks the text rule, as a rejection reason
 * naming the field (`Patient.name.family is 3,000 characters long; at most 200 are accepted.`).
 * Null values (absent fields) pass.
 */
function storedTextProblem(fields: readonly [field: string, value: string | null, max: number][]): string | null {
  for (const [field, value, max] of fields) {
    const problem = value === null ? null : textProblem(value, field, max);
    if (problem) return problem;
  }
  return null;
}

function subjectOf(resource: Json): string | null {
  const subject = obj(resource, "subject") ?? obj(resource, "patient");
  return subject ? str(subject, "reference") : null;
}

// ---------- LOINC ----------

/**
 * LOINC's mod-10 check digit of the part before the hyphen: from the right, double every digit in
 * an odd position (1st, 3rd, …), sum the digits of all the results, and take what brings the sum
 * up to the next multiple of 10 (LOINC Users' Guide, "Calculating Mod 10 check digits").
 */
export function loincCheckDigit(base: string): number {
  if (!/^\d+$/.test(base)) throw new Error(`LOINC base must be digits, got "${base}"`);
  let sum = 0;
  const digits = [...base].reverse();
  digits.forEach((ch, i) => {
    const d = Number(ch);
    if (i % 2 === 0) {
      const doubled = d * 2;
      sum += Math.floor(doubled / 10) + (doubled % 10);
    } else {
      sum += d;
    }
  });
  return (10 - (sum % 10)) % 10;
}

/** Why `code` is not a LOINC code, or null when it has LOINC's form and a correct check digit. */
export function loincProblem(code: string): string | null {
  const m = /^(\d{1,7})-(\d)$/.exec(code);
  if (!m) return `"${code}" does not have the form of a LOINC code (digits, a hyphen, a check digit)`;
  const expected = loincCheckDigit(m[1]!);
  if (expected !== Number(m[2])) return `"${code}" fails the LOINC check digit (expected ${m[1]}-${expected})`;
  return null;
}

export function isValidLoinc(code: string): boolean {
  return loincProblem(code) === null;
}

// ---------- Patient ----------

export function mapGender(gender: unknown): Sex {
  return gender === "male" ? "male" : gender === "female" ? "female" : "unknown";
}

export function mapPatient(resource: Json): MapResult<MappedPatient> {
  const id = str(resource, "id");
  const mrIdentifier = arr(resource, "identifier").find(
    (identifier) => codings(obj(identifier, "type")).some((c) => c.code === "MR") && str(identifier, "value") !== null,
  );
  const mrn = mrIdentifier ? str(mrIdentifier, "value") : id;
  if (!mrn) return reject(resource, "Patient has neither an MR identifier nor an id to use as the MRN");
  const names = arr(resource, "name");
  const name = names.find((n) => n.use === "official") ?? names.find((n) => n.use !== "old" && n.use !== "maiden") ?? names[0];
  const familyName = name ? str(name, "family") : null;
  const given = name && Array.isArray(name.given) ? name.given.filter((g): g is string => typeof g === "string" && g.trim() !== "") : [];
  if (!familyName) return reject(resource, "Patient has no family name");
  const givenName = given.map((g) => g.trim()).join(" ");
  const storedProblem = storedTextProblem([
    ["Patient.id", id, TEXT_LIMITS.fhirId],
    [mrIdentifier ? "Patient.identifier (MR) value" : "Patient.id", mrn, TEXT_LIMITS.mrn],
    ["Patient.name.family", familyName, TEXT_LIMITS.name],
    ["Patient.name.given", givenName === "" ? null : givenName, TEXT_LIMITS.name],
  ]);
  if (storedProblem) return reject(resource, storedProblem);
  const birthDate = parseFhirDate(resource.birthDate);
  if (!birthDate) return reject(resource, `Patient has no complete birth date (got ${JSON.stringify(resource.birthDate ?? null)})`);
  const deceasedAt = resource.deceasedDateTime !== undefined ? parseFhirDate(resource.deceasedDateTime) : null;
  if (resource.deceasedDateTime !== undefined && deceasedAt === null) {
    return reject(resource, `Patient has an invalid deceasedDateTime ${JSON.stringify(resource.deceasedDateTime)}`);
  }
  return {
    status: "ok",
    value: {
      fhirId: id,
      mrn,
      mrnFrom: mrIdentifier ? "MR identifier" : "resource id",
      familyName,
      givenName,
      birthDate,
      sex: mapGender(resource.gender),
      deceasedAt,
    },
  };
}

// ---------- Observation ----------

const OBSERVATION_SKIPPED_STATUSES = new Set(["entered-in-error", "cancelled"]);

function findObservationMapping(coding: FhirCoding): ObservationCodeMapping | null {
  return OBSERVATION_CODES.find((m) => m.system === coding.system && m.code === coding.code) ?? null;
}

function describe(coding: FhirCoding): string {
  return `${coding.system ?? "(no system)"}|${coding.code ?? "(no code)"}${coding.display ? ` (${coding.display})` : ""}`;
}

/**
 * An Observation screening does not use: none of its codes is one the app maps (blood pressure,
 * HbA1c, a blood count…). Not a problem with the data — counted by code, never listed as rejected.
 */
export interface IgnoredObservation {
  status: "ignored";
  system: string | null;
  code: string | null;
  display: string | null;
}

/** A LOINC-shaped code the app maps under LOINC, given under another system: a mislabelled observation, not an ordinary one. */
function misfiledLoinc(all: readonly FhirCoding[]): { coding: FhirCoding; mapping: ObservationCodeMapping } | null {
  for (const coding of all) {
    if (coding.system === LOINC_SYSTEM || coding.code === null || !/^\d{1,7}-\d$/.test(coding.code)) continue;
    const mapping = OBSERVATION_CODES.find((m) => m.system === LOINC_SYSTEM && m.code === coding.code);
    if (mapping) return { coding, mapping };
  }
  return null;
}

export function mapObservation(resource: Json, now: Date): MapResult<MappedObservation> | IgnoredObservation {
  const status = str(resource, "status");
  if (status && OBSERVATION_SKIPPED_STATUSES.has(status)) return { status: "skipped", reason: `status ${status}` };
  const all = codings(obj(resource, "code"));
  for (const coding of all) {
    if (coding.system === LOINC_SYSTEM && coding.code !== null) {
      const problem = loincProblem(coding.code);
      if (problem) return reject(resource, `code ${problem}, so it does not belong to the system ${LOINC_SYSTEM}; the observation is mislabelled`, coding);
    }
  }
  const matches = all.map((c) => ({ coding: c, mapping: findObservationMapping(c) })).filter((m) => m.mapping !== null);
  const first = all[0] ?? null;
  if (matches.length === 0) {
    if (all.length === 0) return reject(resource, "Observation has no coded code", first);
    const misfiled = misfiledLoinc(all);
    if (misfiled) {
      return reject(resource, `code ${describe(misfiled.coding)} is the LOINC code of ${misfiled.mapping.display} but is given under the system ${misfiled.coding.system ?? "(none)"}; the observation is mislabelled`, misfiled.coding);
    }
    return { status: "ignored", system: first?.system ?? null, code: first?.code ?? null, display: first?.display ?? null };
  }
  const kinds = new Set(matches.map((m) => m.mapping!.kind));
  if (kinds.size > 1) return reject(resource, `codes map to different measures (${[...kinds].join(", ")})`, matches[0]!.coding);
  const { coding, mapping } = { coding: matches[0]!.coding, mapping: matches[0]!.mapping! };
  const id = str(resource, "id");
  if (!id) return reject(resource, "Observation has no id, so it cannot be imported idempotently", coding);
  const subject = subjectOf(resource);
  if (!subject) return reject(resource, "Observation has no subject reference", coding);
  const idOrSubjectProblem = storedTextProblem([["Observation.id", id, TEXT_LIMITS.fhirId], ["Observation.subject.reference", subject, TEXT_LIMITS.fhirReference]]);
  if (idOrSubjectProblem) return reject(resource, idOrSubjectProblem, coding);
  const observedAt =
    parseFhirDate(resource.effectiveDateTime) ??
    parseFhirDate(resource.effectiveInstant) ??
    parseFhirDate(obj(resource, "effectivePeriod")?.start) ??
    parseFhirDate(resource.issued);
  if (!observedAt) return reject(resource, "Observation has no effective date/time", coding);
  if (observedAt.getTime() > now.getTime()) return reject(resource, `Observation date ${observedAt.toISOString()} is in the future`, coding);
  const base = { fhirId: id, subject, kind: mapping.kind, observedAt, method: massMethodOf(resource, mapping.kind), mapping };
  const coded = obj(resource, "valueCodeableConcept");
  if (coded) {
    const isUnable = codings(coded).some((c) => c.system === UNABLE_CODE.system && c.code === UNABLE_CODE.code);
    if (!isUnable) return reject(resource, `${describe(coding)} has a coded value the app does not read (it expects a valueQuantity)`, coding);
    if (!UNABLE_KINDS.includes(mapping.kind)) return reject(resource, `"unable to complete" is not a result of ${mapping.display}`, coding);
    return { status: "ok", value: { ...base, value: null, isUnable: true, reportedValue: "unable", reportedUnit: CANONICAL_UNIT[mapping.kind] } };
  }
  const quantity = obj(resource, "valueQuantity");
  if (!quantity) return reject(resource, `${describe(coding)} has no valueQuantity`, coding);
  const value = quantity.value;
  if (typeof value !== "number" || !Number.isFinite(value)) return reject(resource, `${describe(coding)} has no numeric value`, coding);
  const unitSystem = str(quantity, "system");
  if (unitSystem !== null && unitSystem !== UCUM_SYSTEM) {
    return reject(resource, `unit system ${unitSystem} is not UCUM (${UCUM_SYSTEM})`, coding);
  }
  const ucum = str(quantity, "code") ?? str(quantity, "unit");
  if (ucum === null || !mapping.units.includes(ucum)) {
    return reject(
      resource,
      `unit ${ucum === null ? "(none)" : `"${ucum}"`} is not an accepted UCUM unit for ${mapping.system}|${mapping.code} (${mapping.display}); accepted: ${mapping.units.join(", ")}`,
      coding,
    );
  }
  const appUnit = appUnitOf(mapping, ucum);
  if (appUnit === undefined) return reject(resource, `UCUM unit "${ucum}" has no conversion in the app`, coding);
  let canonical: number;
  try {
    canonical = toCanonical(mapping.kind, value, appUnit);
  } catch (error) {
    if (error instanceof UnitError) return reject(resource, error.message, coding);
    throw error;
  }
  const implausible = checkPlausibility(mapping.kind, canonical, { value, unit: appUnit });
  if (implausible) return reject(resource, implausible, coding);
  return { status: "ok", value: { ...base, value: canonical, isUnable: false, reportedValue: String(value), reportedUnit: appUnit } };
}

/** DXA or BIA from Observation.method (the app's method codes), for muscle mass only. */
function massMethodOf(resource: Json, kind: MeasureKind): MassMethod | null {
  if (kind !== "asm") return null;
  const hit = codings(obj(resource, "method")).find((c) => c.system === MASS_METHOD_SYSTEM);
  return (Object.keys(MASS_METHOD_CODES) as MassMethod[]).find((m) => MASS_METHOD_CODES[m].code === hit?.code) ?? null;
}

// ---------- Medication ----------

const MEDICATION_STATUSES = new Set(["active", "completed", "stopped"]);

function fold(text: string): string {
  return text.trim().replace(/\s+/g, " ").toLowerCase();
}

/** Leading package/duration words of RxNorm clinical-drug names: "24 HR", "10 ML", "60 ACTUAT". */
const LEADING_QUANTITY = /^(\d+(\.\d+)?\s+(hr|ml|actuat|day|unt)\s+)+/i;

/**
 * The catalogue entry named by an RxNorm-style drug display text: each " / "-separated
 * component's words before its first number (strength) are the ingredient; the ingredient, then
 * its first word (dropping a salt such as "hydrochloride"), then a [Brand] in brackets, are
 * matched exactly. The first component that matches wins. Null when none does.
 */
export function matchDrugDisplay(display: string): CatalogueEntry | null {
  const folded = fold(display).replace(LEADING_QUANTITY, "");
  for (const [alias, id] of Object.entries(DRUG_NAME_ALIASES)) {
    if (folded === alias || folded.startsWith(`${alias} `)) return findMedicineById(id);
  }
  for (const component of folded.split(" / ")) {
    const words = component.replace(LEADING_QUANTITY, "").split(" ");
    const nameWords: string[] = [];
    for (const w of words) {
      if (/^\d/.test(w) || w.startsWith("[")) break;
      nameWords.push(w);
    }
    const candidates = [nameWords.join(" "), nameWords[0] ?? ""].filter((c) => c !== "");
    for (const candidate of candidates) {
      const entry = matchMedicine(candidate);
      if (entry) return entry;
    }
  }
  const brand = /\[([^\]]+)\]/.exec(folded);
  return brand ? matchMedicine(brand[1]!) : null;
}

export function mapMedication(resource: Json): MapResult<MappedMedication> {
  const resourceType = str(resource, "resourceType");
  if (resourceType !== "MedicationRequest" && resourceType !== "MedicationStatement") {
    return reject(resource, `not a medication resource: ${resourceType ?? "(none)"}`);
  }
  const status = str(resource, "status");
  if (!status || !MEDICATION_STATUSES.has(status)) return { status: "skipped", reason: `status ${status ?? "(none)"}` };
  const concept = obj(resource, "medicationCodeableConcept");
  const all = codings(concept);
  const first = all[0] ?? null;
  const id = str(resource, "id");
  if (!id) return reject(resource, `${resourceType} has no id, so it cannot be imported idempotently`, first);
  const subject = subjectOf(resource);
  if (!subject) return reject(resource, `${resourceType} has no subject reference`, first);
  if (!concept) return reject(resource, `${resourceType} has no medicationCodeableConcept (a medicationReference is not supported)`);
  const rxnorm = all.find((c) => c.system === RXNORM_SYSTEM && c.code !== null) ?? null;
  const atc = all.find((c) => c.system === ATC_SYSTEM && c.code !== null) ?? null;
  const text = str(concept, "text") ?? rxnorm?.display ?? atc?.display ?? first?.display ?? null;

  let entry = matchMedicineByCode({ rxnorm: rxnorm?.code, atc: atc?.code });
  let matchedBy: MappedMedication["matchedBy"] = "code";
  if (!entry && rxnorm?.code) {
    const clinical = RXNORM_CLINICAL_DRUGS.find((d) => d.rxnorm === rxnorm.code);
    entry = clinical ? findMedicineById(clinical.catalogueId) : null;
    matchedBy = "clinical_drug_code";
  }
  if (!entry) {
    const displays = [rxnorm?.display, atc?.display, str(concept, "text"), ...all.map((c) => c.display)].filter((d): d is string => typeof d === "string");
    for (const d of displays) {
      entry = matchMedicine(d) ?? matchDrugDisplay(d);
      if (entry) break;
    }
    matchedBy = "display";
  }
  if (!entry && !text) return reject(resource, `${resourceType} has neither a known code nor a name`, first);
  if (!entry) matchedBy = "free_text";
  const storedProblem = storedTextProblem([
    [`${resourceType}.id`, id, TEXT_LIMITS.fhirId],
    [`${resourceType}.subject.reference`, subject, TEXT_LIMITS.fhirReference],
    [`${resourceType}.medicationCodeableConcept name`, entry ? null : text, TEXT_LIMITS.medicineName],
    [`${resourceType} ATC code`, entry?.atc ?? atc?.code ?? null, TEXT_LIMITS.code],
    [`${resourceType} RxNorm code`, rxnorm?.code ?? null, TEXT_LIMITS.code],
  ]);
  if (storedProblem) return reject(resource, storedProblem, first);

  let startedOn: Date | null;
  let stoppedOn: Date | null = null;
  if (resourceType === "MedicationRequest") {
    startedOn = parseFhirDate(resource.authoredOn);
    const validity = obj(obj(resource, "dispenseRequest") ?? {}, "validityPeriod");
    stoppedOn = parseFhirDate(validity?.end);
  } else {
    const period = obj(resource, "effectivePeriod");
    startedOn = parseFhirDate(period?.start) ?? parseFhirDate(resource.effectiveDateTime);
    stoppedOn = parseFhirDate(period?.end);
  }
  // A stopped or completed medicine without an end date stopped at an unknown time: it is not
  // current, so it is recorded as stopped on its start date (the earliest date it can have been).
  if (status !== "active" && stoppedOn === null) stoppedOn = startedOn;
  if (status === "active") stoppedOn = stoppedOn !== null && startedOn !== null && stoppedOn < startedOn ? null : stoppedOn;

  return {
    status: "ok",
    value: {
      fhirId: id,
      resourceType,
      subject,
      catalogueId: entry?.id ?? null,
      name: entry?.genericName ?? text ?? "",
      atcCode: entry?.atc ?? atc?.code ?? null,
      rxnormCode: rxnorm?.code ?? null,
      startedOn,
      stoppedOn,
      matchedBy,
    },
  };
}

// ---------- Condition ----------

function conditionSystem(system: string | null): "snomed" | "icd10" | null {
  if (system === SNOMED_SYSTEM) return "snomed";
  if (system !== null && (ICD10_SYSTEMS as readonly string[]).includes(system)) return "icd10";
  return null;
}

/** "skipped" for conditions that are not absorption conditions (ignored, not an error). */
export function mapCondition(resource: Json): MapResult<MappedCondition> {
  const verification = codings(obj(resource, "verificationStatus"))[0]?.code;
  if (verification === "entered-in-error" || verification === "refuted") return { status: "skipped", reason: `verification ${verification}` };
  const all = codings(obj(resource, "code"));
  let condition: ConditionCode | null = null;
  for (const coding of all) {
    const system = conditionSystem(coding.system);
    const hit = CONDITION_MAPPINGS.find((m) => m.system === system && m.code === coding.code);
    if (hit) {
      condition = hit.condition;
      break;
    }
  }
  if (!condition) return { status: "skipped", reason: "not an absorption condition" };
  const id = str(resource, "id");
  if (!id) return reject(resource, "Condition has no id, so it cannot be imported idempotently", all[0]);
  const subject = subjectOf(resource);
  if (!subject) return reject(resource, "Condition has no subject reference", all[0]);
  const storedProblem = storedTextProblem([["Condition.id", id, TEXT_LIMITS.fhirId], ["Condition.subject.reference", subject, TEXT_LIMITS.fhirReference]]);
  if (storedProblem) return reject(resource, storedProblem, all[0]);
  const clinical = codings(obj(resource, "clinicalStatus"))[0]?.code;
  const recordedAt = parseFhirDate(resource.onsetDateTime) ?? parseFhirDate(resource.recordedDate);
  const resolved = clinical === "resolved" || clinical === "inactive" || clinical === "remission";
  const resolvedAt = resolved ? (parseFhirDate(resource.abatementDateTime) ?? recordedAt ?? new Date(0)) : null;
  return { status: "ok", value: { fhirId: id, subject, condition, recordedAt, resolvedAt } };
}

// ---------- Findings (B12 symptoms and signs, Yubi-wakka) ----------

/** The symptom a coding names, or null. */
export function symptomOfCoding(coding: FhirCoding): B12SymptomCode | null {
  return B12_SYMPTOM_MAPPINGS.find((m) => m.system === coding.system && m.code === coding.code)?.symptom ?? null;
}

const isYubiWakkaCoding = (c: FhirCoding) => c.system === YUBI_WAKKA_CODE.system && c.code === YUBI_WAKKA_CODE.code;

/**
 * A Condition or Observation that records a finding the app reads (see the file comment), or null
 * when its code names none, so the caller maps it as before (an absorption condition, a measure).
 */
export function mapFinding(resource: Json, now: Date): MapResult<MappedFinding> | null {
  const type = str(resource, "resourceType");
  if (type !== "Condition" && type !== "Observation") return null;
  const resourceType: MappedFinding["resourceType"] = type;
  const all = codings(obj(resource, "code"));
  const symptomHit = all.map((c) => ({ coding: c, symptom: symptomOfCoding(c) })).find((hit) => hit.symptom !== null);
  const symptomCoding = symptomHit?.coding;
  const yubiCoding = resourceType === "Observation" ? all.find(isYubiWakkaCoding) : undefined;
  const coding = symptomCoding ?? yubiCoding;
  if (!coding) return null;
  if (symptomCoding && yubiCoding) return reject(resource, `codes name both a symptom and the Yubi-wakka test (${describe(symptomCoding)}, ${describe(yubiCoding)})`, symptomCoding);

  if (resourceType === "Condition") {
    const verification = codings(obj(resource, "verificationStatus"))[0]?.code;
    if (verification === "entered-in-error" || verification === "refuted") return { status: "skipped", reason: `verification ${verification}` };
    const clinical = codings(obj(resource, "clinicalStatus"))[0]?.code;
    if (clinical === "resolved" || clinical === "inactive" || clinical === "remission") return { status: "skipped", reason: `symptom ${clinical}` };
  } else {
    const status = str(resource, "status");
    if (status && OBSERVATION_SKIPPED_STATUSES.has(status)) return { status: "skipped", reason: `status ${status}` };
  }
  const id = str(resource, "id");
  if (!id) return reject(resource, `${resourceType} has no id, so it cannot be imported idempotently`, coding);
  const subject = subjectOf(resource);
  if (!subject) return reject(resource, `${resourceType} has no subject reference`, coding);
  const storedProblem = storedTextProblem([[`${resourceType}.id`, id, TEXT_LIMITS.fhirId], [`${resourceType}.subject.reference`, subject, TEXT_LIMITS.fhirReference]]);
  if (storedProblem) return reject(resource, storedProblem, coding);
  const recordedAt =
    resourceType === "Condition"
      ? (parseFhirDate(resource.onsetDateTime) ?? parseFhirDate(obj(resource, "onsetPeriod")?.start) ?? parseFhirDate(resource.recordedDate))
      : (parseFhirDate(resource.effectiveDateTime) ?? parseFhirDate(resource.effectiveInstant) ?? parseFhirDate(obj(resource, "effectivePeriod")?.start) ?? parseFhirDate(resource.issued));
  const what = symptomCoding ? "symptom" : "Yubi-wakka result";
  if (!recordedAt) return reject(resource, `${resourceType} records a ${what} without a date; it counts only with the date it was noted`, coding);
  if (recordedAt.getTime() > now.getTime()) return reject(resource, `${resourceType} date ${recordedAt.toISOString()} is in the future`, coding);
  const base = { fhirId: id, resourceType, subject, coding };

  if (symptomHit?.symptom) {
    if (resource.valueBoolean === false || codings(obj(resource, "valueCodeableConcept")).some((c) => c.system === ABSENT_QUALIFIER.system && c.code === ABSENT_QUALIFIER.code)) {
      return { status: "skipped", reason: "symptom recorded as absent" };
    }
    return { status: "ok", value: { ...base, finding: { kind: "b12_symptom", code: symptomHit.symptom, recordedAt } } };
  }
  const result = codings(obj(resource, "valueCodeableConcept"))
    .filter((c) => c.system === YUBI_WAKKA_RESULT_SYSTEM)
    .map((c) => YUBI_WAKKA_RESULTS.find((r) => r === c.code))
    .find((r) => r !== undefined);
  if (!result) {
    return reject(resource, `a Yubi-wakka result must be a valueCodeableConcept in ${YUBI_WAKKA_RESULT_SYSTEM}: ${YUBI_WAKKA_RESULTS.join(", ")}`, coding);
  }
  return { status: "ok", value: { ...base, finding: { kind: "yubi_wakka", code: result, recordedAt } } };
}
