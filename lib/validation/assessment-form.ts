import { z } from "zod";
import { toIsoDate } from "@/lib/domain/dates";
import { MEASURE_LABELS } from "@/lib/domain/measures";
import {
  B12_SYMPTOM_CODES, MEASURE_KINDS, YUBI_WAKKA_RESULTS, type B12SymptomCode, type MassMethod, type MeasureKind, type ObservationInput, type YubiWakkaResult,
} from "@/lib/domain/types";
import { buildObservation, UNABLE } from "./measurement";
import { parseDateCell } from "./numbers";
import { displayUnit } from "@/lib/domain/plausibility";
import { safeText } from "./safe-text";
import { TEXT_LIMITS } from "@/lib/domain/text-rules";

/**
 * The assessment entry form (one visit) and the result-correction forms. FormData carries only
 * strings (an unticked checkbox or an unchosen radio group is absent), so every field is read as
 * trimmed text and parsed strictly by `buildObservation` (lib/validation/measurement.ts), which
 * also applies the plausibility limits — none are repeated here. Each problem is reported on the
 * field it concerns, in a sentence for the clinician.
 */

export const GRIP_UNITS = ["kg", "lb"] as const;
export const B12_UNITS = ["pmol/L", "pg/mL", "ng/L"] as const;
export const WEIGHT_UNITS = ["kg", "lb"] as const;
export const WALK_400M_UNITS = ["s", "min"] as const;
/** How gait was recorded: seconds for the 4 m usual-pace walk, or a speed in m/s. */
export const GAIT_MODES = ["time", "speed"] as const;
export type GaitMode = (typeof GAIT_MODES)[number];

export const GRIP_TRIAL_FIELDS = [
  { name: "gripRight1", hand: "right", trial: 1 },
  { name: "gripRight2", hand: "right", trial: 2 },
  { name: "gripRight3", hand: "right", trial: 3 },
  { name: "gripLeft1", hand: "left", trial: 1 },
  { name: "gripLeft2", hand: "left", trial: 2 },
  { name: "gripLeft3", hand: "left", trial: 3 },
] as const;

/**
 * SARC-F (Malmstrom & Morley, JAMDA 2013; docs/clinical-reference.md#case-finding): five items scored 0–2, total 0–10,
 * positive at ≥ 4. Question wording as in the published instrument.
 */
export const SARC_F_ITEMS = [
  { name: "sarcF1", component: "Strength", question: "How much difficulty do you have in lifting and carrying 10 pounds?", answers: ["None", "Some", "A lot or unable"] },
  { name: "sarcF2", component: "Assistance in walking", question: "How much difficulty do you have walking across a room?", answers: ["None", "Some", "A lot, use aids, or unable"] },
  { name: "sarcF3", component: "Rise from a chair", question: "How much difficulty do you have transferring from a chair or bed?", answers: ["None", "Some", "A lot or unable without help"] },
  { name: "sarcF4", component: "Climb stairs", question: "How much difficulty do you have climbing a flight of 10 stairs?", answers: ["None", "Some", "A lot or unable"] },
  { name: "sarcF5", component: "Falls", question: "How many times have you fallen in the past year?", answers: ["None", "1–3 falls", "4 or more falls"] },
] as const;
export const SARC_F_POSITIVE_AT = 4;

/** Lab results, each with its own date (blank = the visit date). */
export const LAB_FIELDS = [
  { name: "b12", dateName: "b12Date", kind: "b12_total", unitName: "b12Unit" },
  { name: "holotc", dateName: "holotcDate", kind: "holotc", unit: "pmol/L" },
  { name: "mma", dateName: "mmaDate", kind: "mma", unit: "umol/L" },
  { name: "homocysteine", dateName: "homocysteineDate", kind: "homocysteine", unit: "umol/L" },
  { name: "egfr", dateName: "egfrDate", kind: "egfr", unit: "mL/min/1.73m2" },
] as const satisfies readonly { name: string; dateName: string; kind: MeasureKind; unit?: string; unitName?: string }[];

/** One result of the visit, with the form fields it came from (to place errors found later). */
export interface EnteredObservation extends ObservationInput {
  reportedValue: string;
  reportedUnit: string;
  /** Detail kept with the result: the grip trials, the SARC-F answers. */
  note: string | null;
  field: string;
  dateField: string;
}

export interface AssessmentEntry {
  patientId: string;
  expectedVersion: number;
  visitDate: Date;
  observations: EnteredObservation[];
  /** The Yubi-wakka finger-ring test at the visit (AWGS 2025 case finding), if done. */
  yubiWakka: YubiWakkaResult | null;
  /** NICE NG239 symptoms and signs of B12 deficiency noted at the visit. */
  b12Symptoms: B12SymptomCode[];
}

/** The form field of each B12 symptom's checkbox. */
export const b12SymptomField = (code: B12SymptomCode) => `b12Symptom_${code}`;

/** Sum of the answered SARC-F items, or null while any of the five is unanswered. */
export function sarcFTotal(answers: readonly (number | null | undefined)[]): number | null {
  if (answers.length !== SARC_F_ITEMS.length || answers.some((a) => a === null || a === undefined)) return null;
  return answers.reduce<number>((sum, a) => sum + (a ?? 0), 0);
}

const text = z
  .string()
  .optional()
  .transform((value) => (value ?? "").trim());

const formFields = {
  patientId: z.string({ error: "The patient is missing; reload the page." }).trim().min(1, { error: "The patient is missing; reload the page." }),
  expectedVersion: z.coerce
    .number({ error: "The record's version is missing; reload the page." })
    .int({ error: "The record's version is missing; reload the page." })
    .positive({ error: "The record's version is missing; reload the page." }),
  visitDate: text,
  gripUnit: text,
  ...Object.fromEntries(GRIP_TRIAL_FIELDS.map((f) => [f.name, text])),
  gaitMode: text,
  gaitValue: text,
  chairStand: text,
  chairStandUnable: text,
  sppb: text,
  tug: text,
  walk400: text,
  walk400Unit: text,
  walk400Unable: text,
  asm: text,
  asmMethod: text,
  height: text,
  weight: text,
  weightUnit: text,
  calf: text,
  ...Object.fromEntries(SARC_F_ITEMS.map((item) => [item.name, text])),
  b12: text,
  b12Unit: text,
  b12Date: text,
  holotc: text,
  holotcDate: text,
  mma: text,
  mmaDate: text,
  homocysteine: text,
  homocysteineDate: text,
  egfr: text,
  egfrDate: text,
  yubiWakka: text,
  ...Object.fromEntries(B12_SYMPTOM_CODES.map((code) => [b12SymptomField(code), text])),
} as const;

type FormText = Record<string, string>;

function pick<T extends string>(allowed: readonly T[], value: string): T | null {
  return allowed.find((a) => a === value) ?? null;
}

const isTicked = (value: string) => value === "on" || value === "true" || value === "1";

/**
 * One visit from the entry form → the results to store (canonical values, reported value and unit
 * kept). Every field is optional but at least one result is needed. Grip: the best of up to three
 * trials per hand is the result; the trials are kept in its note. Gait: a 4 m walk time is
 * converted to speed. Chair stand and 400 m walk: "unable" is a result (EWGSOP2 Table 3). SARC-F:
 * all five answers or none; the total is the result.
 */
export const assessmentFormSchema = z.object(formFields).transform((raw, ctx): AssessmentEntry => {
  const form = raw as unknown as FormText & { patientId: string; expectedVersion: number };
  const value = (name: string) => form[name] ?? "";
  const fail = (field: string, message: string) => ctx.addIssue({ code: "custom", path: [field], message });

  let visitDate: Date | null = null;
  if (value("visitDate") === "") fail("visitDate", "Enter the date of the visit.");
  else {
    const parsed = parseDateCell(value("visitDate"), "Visit date");
    if (parsed.ok) visitDate = parsed.value;
    else fail("visitDate", parsed.message);
  }
  // Without a valid visit date every value is still checked, so all problems show at once.
  const visitAt = visitDate ?? new Date(0);
  const observations: EnteredObservation[] = [];

  const measure = (spec: { field: string; kind: MeasureKind; unit: string; value?: string; method?: MassMethod | null; note?: string | null; observedAt?: Date; dateField?: string }) => {
    const built = buildObservation({ kind: spec.kind, value: spec.value ?? value(spec.field), unit: spec.unit, observedAt: spec.observedAt ?? visitAt, method: spec.method ?? null });
    if (!built.ok) {
      fail(spec.field, built.message);
      return;
    }
    observations.push({
      ...built.value,
      reportedValue: built.value.reportedValue ?? UNABLE,
      reportedUnit: built.value.reportedUnit ?? spec.unit,
      note: spec.note ?? null,
      field: spec.field,
      dateField: spec.dateField ?? "visitDate",
    });
  };
  const unitOf = <T extends string>(field: string, allowed: readonly T[], what: string): T | null => {
    const unit = pick(allowed, value(field));
    if (unit === null) fail(field, `Choose the unit for ${what}: ${allowed.map(displayUnit).join(", ")}.`);
    return unit;
  };

  // Grip strength: best of all trials, either hand.
  const trials = GRIP_TRIAL_FIELDS.filter((f) => value(f.name) !== "");
  if (trials.length > 0) {
    const unit = unitOf("gripUnit", GRIP_UNITS, "grip strength");
    if (unit !== null) {
      const valid: { field: (typeof GRIP_TRIAL_FIELDS)[number]; text: string; kg: number }[] = [];
      for (const field of trials) {
        const built = buildObservation({ kind: "grip_strength", value: value(field.name), unit, observedAt: visitAt });
        if (!built.ok) fail(field.name, built.message);
        else valid.push({ field, text: built.value.reportedValue ?? value(field.name), kg: built.value.value ?? 0 });
      }
      if (valid.length === trials.length) {
        const best = valid.reduce((a, b) => (b.kg > a.kg ? b : a));
        const hand = (h: "right" | "left") => valid.filter((v) => v.field.hand === h).map((v) => v.text);
        const right = hand("right");
        const left = hand("left");
        const note = `Grip trials (${unit}): right ${right.length > 0 ? right.join(", ") : "not done"}; left ${left.length > 0 ? left.join(", ") : "not done"}; best ${best.text} ${unit} (${best.field.hand})`;
        measure({ field: best.field.name, kind: "grip_strength", unit, value: best.text, note });
      }
    }
  }

  // Gait speed, as a 4 m walk time or a speed.
  if (value("gaitValue") !== "") {
    const mode = pick(GAIT_MODES, value("gaitMode"));
    if (mode === null) fail("gaitMode", "Choose whether gait was recorded as the 4 m walk time or as a speed.");
    else measure({ field: "gaitValue", kind: "gait_speed", unit: mode === "time" ? "s/4m" : "m/s" });
  }

  // Timed tests that the patient may be unable to complete.
  for (const spec of [
    { field: "chairStand", unable: "chairStandUnable", kind: "chair_stand_5x" as const, label: "the chair stand" },
    { field: "walk400", unable: "walk400Unable", kind: "walk_400m" as const, label: "the 400 m walk" },
  ]) {
    const isUnable = isTicked(value(spec.unable));
    if (isUnable && value(spec.field) !== "") {
      fail(spec.field, `Enter the time for ${spec.label} or tick “unable to complete”, not both.`);
      continue;
    }
    const unit = spec.kind === "walk_400m" ? (value(spec.field) === "" ? "s" : unitOf("walk400Unit", WALK_400M_UNITS, "the 400 m walk")) : "s";
    if (unit === null) continue;
    if (isUnable) measure({ field: spec.field, kind: spec.kind, unit, value: UNABLE, note: "Unable to complete" });
    else if (value(spec.field) !== "") measure({ field: spec.field, kind: spec.kind, unit });
  }

  if (value("sppb") !== "") measure({ field: "sppb", kind: "sppb", unit: "points" });
  if (value("tug") !== "") measure({ field: "tug", kind: "tug", unit: "s" });

  if (value("asm") !== "") {
    const method = pick(["dxa", "bia"] as const, value("asmMethod"));
    if (method === null) fail("asmMethod", "Choose how muscle mass was measured: DXA or BIA.");
    else measure({ field: "asm", kind: "asm", unit: "kg", method });
  }

  if (value("height") !== "") measure({ field: "height", kind: "height", unit: "cm" });
  if (value("weight") !== "") {
    const unit = unitOf("weightUnit", WEIGHT_UNITS, "weight");
    if (unit !== null) measure({ field: "weight", kind: "weight", unit });
  }
  if (value("calf") !== "") measure({ field: "calf", kind: "calf_circumference", unit: "cm" });

  // SARC-F: all five answers or none.
  const answers = SARC_F_ITEMS.map((item) => {
    const answer = value(item.name);
    if (answer === "") return null;
    if (!["0", "1", "2"].includes(answer)) {
      fail(item.name, `SARC-F “${item.component}”: choose one of the three answers.`);
      return null;
    }
    return Number(answer);
  });
  const answered = answers.filter((a) => a !== null).length;
  if (answered > 0 && answered < SARC_F_ITEMS.length) {
    SARC_F_ITEMS.forEach((item, i) => {
      if (answers[i] === null && value(item.name) === "") fail(item.name, `SARC-F “${item.component}” is not answered: answer all five questions, or clear the SARC-F answers.`);
    });
  }
  const total = sarcFTotal(answers);
  if (total !== null) {
    const note = `SARC-F answers: ${SARC_F_ITEMS.map((item, i) => `${item.component.toLowerCase()} ${answers[i]}`).join(", ")}`;
    measure({ field: SARC_F_ITEMS[0].name, kind: "sarc_f", unit: "points", value: String(total), note });
  }

  // Labs, each on its own date.
  for (const lab of LAB_FIELDS) {
    if (value(lab.name) === "") continue;
    let observedAt = visitAt;
    if (value(lab.dateName) !== "") {
      const parsed = parseDateCell(value(lab.dateName), `${MEASURE_LABELS[lab.kind]} date`);
      if (!parsed.ok) {
        fail(lab.dateName, parsed.message);
        continue;
      }
      observedAt = parsed.value;
    }
    const unit = "unitName" in lab ? unitOf(lab.unitName, B12_UNITS, "serum B12") : lab.unit;
    if (unit === null) continue;
    measure({ field: lab.name, kind: lab.kind, unit, observedAt, dateField: value(lab.dateName) !== "" ? lab.dateName : "visitDate" });
  }

  let yubiWakka: YubiWakkaResult | null = null;
  if (value("yubiWakka") !== "") {
    yubiWakka = pick(YUBI_WAKKA_RESULTS, value("yubiWakka"));
    if (yubiWakka === null) fail("yubiWakka", "Choose one of the three Yubi-wakka results, or leave it empty.");
  }
  const b12Symptoms = B12_SYMPTOM_CODES.filter((code) => isTicked(value(b12SymptomField(code))));

  if (ctx.issues.length === 0 && observations.length === 0 && yubiWakka === null && b12Symptoms.length === 0) fail("form", "Enter at least one result before saving.");
  if (ctx.issues.length > 0 || visitDate === null) return z.NEVER;
  return { patientId: form.patientId, expectedVersion: form.expectedVersion, visitDate, observations, yubiWakka, b12Symptoms };
});

export type AssessmentFormInput = z.input<typeof assessmentFormSchema>;

/**
 * Results dated after `now` (the engine ignores them, so they would silently not count): one error
 * per date field. Kept apart from the schema because validation does not read the clock.
 */
export function datesAfter(observations: readonly Pick<EnteredObservation, "observedAt" | "dateField">[], now: Date): Record<string, string[]> {
  const errors: Record<string, string[]> = {};
  for (const o of observations) {
    if (o.observedAt.getTime() <= now.getTime() || errors[o.dateField]) continue;
    errors[o.dateField] = [`The date ${toIsoDate(o.observedAt)} is after today (${toIsoDate(now)}); enter results on or after the day they were taken.`];
  }
  return errors;
}

const ref = {
  observationId: z.string({ error: "The result is missing; reload the page." }).trim().min(1, { error: "The result is missing; reload the page." }),
  version: z.coerce
    .number({ error: "The result's version is missing; reload the page." })
    .int({ error: "The result's version is missing; reload the page." })
    .positive({ error: "The result's version is missing; reload the page." }),
};

export interface ObservationCorrection {
  observationId: string;
  version: number;
  observation: ObservationInput & { reportedValue: string; reportedUnit: string };
}

/**
 * A corrected value, unit and date for a stored result. `kind` comes from the form and is checked
 * against the stored result by the data layer; "unable" only where it is a result.
 */
export const observationCorrectionSchema = z
  .object({
    ...ref,
    kind: z.enum(MEASURE_KINDS, { error: "The kind of result is missing; reload the page." }),
    value: text,
    unit: text,
    unable: text,
    observedAt: text,
    method: text,
  })
  .transform((form, ctx): ObservationCorrection => {
    const fail = (field: string, message: string) => ctx.addIssue({ code: "custom", path: [field], message });
    const date = parseDateCell(form.observedAt, "Date");
    if (form.observedAt === "") fail("observedAt", "Enter the date the result was taken.");
    else if (!date.ok) fail("observedAt", date.message);
    const isUnable = isTicked(form.unable);
    if (isUnable && form.value !== "") fail("value", "Enter a value or tick “unable to complete”, not both.");
    if (!isUnable && form.value === "") fail("value", `Enter the corrected ${MEASURE_LABELS[form.kind].toLowerCase()}, or mark the result entered in error instead.`);
    let method: MassMethod | null = null;
    if (form.kind === "asm") {
      method = pick(["dxa", "bia"] as const, form.method);
      if (method === null) fail("method", "Choose how muscle mass was measured: DXA or BIA.");
    }
    if (ctx.issues.length > 0 || !date.ok) return z.NEVER;
    const built = buildObservation({ kind: form.kind, value: isUnable ? UNABLE : form.value, unit: form.unit, observedAt: date.value, method });
    if (!built.ok) {
      fail(form.unit !== "" && built.message.includes("not an accepted unit") ? "unit" : "value", built.message);
      return z.NEVER;
    }
    return {
      observationId: form.observationId,
      version: form.version,
      observation: { ...built.value, reportedValue: built.value.reportedValue ?? UNABLE, reportedUnit: built.value.reportedUnit ?? form.unit },
    };
  });

export const observationErrorSchema = z.object({
  ...ref,
  reason: safeText({
    label: "The reason",
    max: TEXT_LIMITS.note,
    multiline: true,
    min: 3,
    typeMessage: "Say why this result is wrong.",
    minMessage: "Say why this result is wrong (for example “wrong patient” or “typed 52 for 25”).",
    maxMessage: `Keep the reason to ${TEXT_LIMITS.note} characters.`,
  }),
});

export type ObservationErrorInput = z.infer<typeof observationErrorSchema>;

/** Where a result came from, for "entered by" when no person is recorded. */
export const OBSERVATION_SOURCE_LABELS: Record<string, string> = { manual: "entered", csv: "CSV import", fhir: "FHIR import", seed: "demo data" };

/** A stored value as the clinician entered it: "70 lb", "4 m in 5 s", "unable". */
export function describeReported(o: { isUnable: boolean; reportedValue: string; reportedUnit: string }): string {
  if (o.isUnable) return "unable to complete";
  if (o.reportedUnit === "s/4m") return `4 m in ${o.reportedValue} s`;
  return `${o.reportedValue} ${displayUnit(o.reportedUnit)}`;
}
