import { afterAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import type { z } from "zod";
import { AUDIT_ACTIONS } from "@/lib/domain/audit-describe";
import { MEDICINE_CATALOGUE } from "@/lib/domain/medicine-catalogue";
import { DEFAULT_THRESHOLDS, describeThresholds, type ThresholdValues } from "@/lib/domain/thresholds";
import { CONDITION_CODES, FLAG_CODES, MEASURE_KINDS, TIER_RANK } from "@/lib/domain/types";
import {
  assessmentFormSchema,
  B12_UNITS,
  GAIT_MODES,
  GRIP_TRIAL_FIELDS,
  GRIP_UNITS,
  LAB_FIELDS,
  observationCorrectionSchema,
  observationErrorSchema,
  SARC_F_ITEMS,
  WALK_400M_UNITS,
  WEIGHT_UNITS,
} from "@/lib/validation/assessment-form";
import { auditQuerySchema, parseAuditQuery } from "@/lib/validation/audit-filter";
import { COHORT_FIELD_NAMES, COHORT_OPS, cohortCriterionSchema, fieldDef, MAX_CRITERIA, MAX_WITHIN_MONTHS, parseCohortRows, readCohortRows } from "@/lib/validation/cohort";
import { parseFhirExportQuery } from "@/lib/validation/fhir-export-query";
import { flagCloseSchema, flagOrderSchema, flagOutreachSchema, flagPostponeSchema, flagReopenSchema } from "@/lib/validation/flag-action";
import { conditionChangeSchema, FREE_TEXT_CHOICE, MAX_MEDICINE_NAME, medicationAddSchema, medicationEditSchema, medicationStopSchema } from "@/lib/validation/medication-form";
import { PLAUSIBLE_RANGES } from "@/lib/domain/plausibility";
import { parseThresholdForm } from "@/lib/validation/threshold-form";
import { thresholdValuesSchema } from "@/lib/validation/thresholds";
import { TEXT_LIMITS } from "@/lib/domain/text-rules";
import { savedViewNameSchema } from "@/lib/validation/saved-view";
import { fhirFilesProblem, fhirUploadFieldsSchema, MAX_UPLOAD_BYTES, spreadsheetFileProblem, spreadsheetUploadFieldsSchema } from "@/lib/validation/upload";

/**
 * Hostile input against the form, URL and upload schemas that tests/unit/hostile-input.test.ts
 * does not cover: every field gets either a plausible value or something an attacker or a broken
 * client would send (NaN, "1e309", Infinity, -0, 2023-02-30, 1 MB strings, unicode, arrays where
 * a string belongs, objects, `__proto__` keys). Each schema either accepts a value inside its
 * documented bounds or refuses with a sentence — it never throws and never pollutes a prototype.
 */
const RUNS = 300;
/** Cases generated across this file (fast-check runs plus the targeted boundary cases), printed at the end. */
let cases = 0;
const counted = <T>(runs: number, property: fc.IProperty<T>) => {
  cases += runs;
  fc.assert(property, { numRuns: runs });
};

const ONE_MB = 1024 * 1024;
const MEGABYTE_ASCII = "9".repeat(ONE_MB);
const MEGABYTE_UNICODE = "🧪é\u0000\u202e".repeat(ONE_MB / 8);

const trickyText = fc.constantFrom(
  "NaN", "nan", "Infinity", "-Infinity", "1e309", "-1e309", "1e-400", "0x1F", "12,5", "١٢", "  ", "\u0000", "=1+1", "+5", "-0", "0", "-1",
  "2023-02-30", "2023-02-29", "2024-02-29", "1899-12-31", "2023-13-01", "9999-99-99", "0000-00-00", "2026-01-01T00:00:00Z",
  "unable", "on", "true", "1", "null", "undefined", "[]", "{}", "1_000", "__proto__", "constructor", "toString", "<script>alert(1)</script>",
);
const hostileScalar = fc.oneof(
  { arbitrary: trickyText, weight: 6 },
  { arbitrary: fc.string({ maxLength: 300 }), weight: 3 },
  { arbitrary: fc.string({ unit: "grapheme", maxLength: 80 }), weight: 2 },
  { arbitrary: fc.double().map(String), weight: 2 },
  { arbitrary: fc.double(), weight: 2 }, // NaN, ±Infinity, -0 and friends, as numbers
  { arbitrary: fc.integer(), weight: 1 },
  { arbitrary: fc.constantFrom(null, undefined, true, false, NaN, Infinity, -Infinity, -0, Number.MAX_VALUE, 10n), weight: 2 },
  { arbitrary: fc.constantFrom(MEGABYTE_ASCII, MEGABYTE_UNICODE), weight: 1 },
);
/** A hostile value for any field: mostly scalars, sometimes an array or an object in its place. */
const hostile: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: hostileScalar, weight: 12 },
  { arbitrary: fc.array(hostileScalar, { maxLength: 3 }), weight: 1 },
  { arbitrary: fc.anything({ maxDepth: 2, withObjectString: true, withNullPrototype: true }), weight: 1 },
);

/** Own keys that would pollute a prototype if a schema copied them naively. */
function withPollutionKeys(form: Record<string, unknown>, value: unknown): Record<string, unknown> {
  for (const key of ["__proto__", "constructor", "prototype"]) Object.defineProperty(form, key, { value, enumerable: true, configurable: true, writable: true });
  return form;
}

/**
 * A form whose fields each are a valid value, a hostile value or absent; sometimes with pollution
 * keys. Valid values keep a fair share of the cases reaching the deeper checks.
 */
function formOf(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<Record<string, unknown>> {
  const entries = Object.entries(fields).map(([name, valid]) =>
    fc.oneof({ arbitrary: valid, weight: 3 }, { arbitrary: hostile, weight: 1 }, { arbitrary: fc.constant(undefined), weight: 1 }).map((v) => [name, v] as const),
  );
  return fc.tuple(fc.tuple(...entries), fc.boolean(), hostile).map(([pairs, pollute, odd]) => {
    const form: Record<string, unknown> = {};
    for (const [name, v] of pairs) if (v !== undefined) form[name] = v;
    return pollute ? withPollutionKeys(form, odd) : form;
  });
}

/** Runs a schema; a refusal must explain itself on every issue. Returns the value when accepted. */
function parseOrExplain<S extends z.ZodType>(schema: S, input: unknown): z.output<S> | null {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  expect(result.error.issues.length).toBeGreaterThan(0);
  for (const issue of result.error.issues) expect(issue.message.trim().length, JSON.stringify(issue.path)).toBeGreaterThan(5);
  return null;
}

const isRealDate = (d: unknown) => d instanceof Date && !Number.isNaN(d.getTime()) && d.getUTCFullYear() >= 1900;
const isVersion = (n: unknown) => typeof n === "number" && Number.isSafeInteger(n) && n >= 1;
const isId = (s: unknown) => typeof s === "string" && s.length > 0 && s === s.trim();

const isoDate = fc.date({ min: new Date("1990-01-01"), max: new Date("2026-11-21"), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
const idText = fc.constantFrom("p1", "cmabc123", " p2 ");
const versionText = fc.constantFrom("1", "2", "17");
const decimal = (min: number, max: number) => fc.double({ min, max, noNaN: true }).map((v) => String(Math.round(v * 10) / 10));

afterAll(() => {
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.prototype).not.toHaveProperty("0");
  console.info(`hostile-forms: ${cases} generated and boundary cases`);
});

describe("assessment entry form under hostile input", () => {
  const fields: Record<string, fc.Arbitrary<unknown>> = {
    patientId: idText,
    expectedVersion: versionText,
    visitDate: isoDate,
    gripUnit: fc.constantFrom(...GRIP_UNITS),
    ...Object.fromEntries(GRIP_TRIAL_FIELDS.map((f) => [f.name, decimal(0, 80)])),
    gaitMode: fc.constantFrom(...GAIT_MODES),
    gaitValue: decimal(0.1, 10),
    chairStand: decimal(1, 60),
    chairStandUnable: fc.constantFrom("on", ""),
    sppb: fc.integer({ min: 0, max: 12 }).map(String),
    tug: decimal(1, 60),
    walk400: decimal(1, 1000),
    walk400Unit: fc.constantFrom(...WALK_400M_UNITS),
    walk400Unable: fc.constantFrom("on", ""),
    asm: decimal(2, 40),
    asmMethod: fc.constantFrom("dxa", "bia"),
    height: decimal(120, 210),
    weight: decimal(30, 150),
    weightUnit: fc.constantFrom(...WEIGHT_UNITS),
    calf: decimal(20, 50),
    ...Object.fromEntries(SARC_F_ITEMS.map((item) => [item.name, fc.constantFrom("0", "1", "2")])),
    ...Object.fromEntries(LAB_FIELDS.flatMap((lab) => [[lab.name, decimal(1, 500)], [lab.dateName, isoDate]])),
    b12Unit: fc.constantFrom(...B12_UNITS),
  };

  it("accepts only finite, plausible results on real dates; refuses with a sentence per field", () => {
    counted(RUNS, fc.property(formOf(fields), (form) => {
      const entry = parseOrExplain(assessmentFormSchema, form);
      if (!entry) return;
      expect(isId(entry.patientId) && isVersion(entry.expectedVersion) && isRealDate(entry.visitDate)).toBe(true);
      expect(entry.observations.length).toBeGreaterThan(0);
      for (const o of entry.observations) {
        expect(isRealDate(o.observedAt)).toBe(true);
        if (o.isUnable) expect(o.value).toBeNull();
        else {
          const { min, max } = PLAUSIBLE_RANGES[o.kind];
          expect(Number.isFinite(o.value) && o.value! >= min && o.value! <= max, `${o.kind}=${o.value}`).toBe(true);
        }
      }
    }));
  });

  it("boundary cases: refused with the field named", () => {
    const base = { patientId: "p1", expectedVersion: "1", visitDate: "2026-01-01" };
    for (const [form, field] of [
      [{ ...base, visitDate: "2023-02-30", height: "170" }, "visitDate"],
      [{ ...base, visitDate: "1899-12-31", height: "170" }, "visitDate"],
      [{ ...base, height: "1e309" }, "height"],
      [{ ...base, height: "NaN" }, "height"],
      [{ ...base, height: "Infinity" }, "height"],
      [{ ...base, height: "-0" }, "height"],
      [{ ...base, height: MEGABYTE_ASCII }, "height"],
      [{ ...base, sppb: "12.5" }, "sppb"],
      [{ ...base, sarcF1: "3", sarcF2: "0", sarcF3: "0", sarcF4: "0", sarcF5: "0" }, "sarcF1"],
      [{ ...base, sarcF1: "1" }, "sarcF2"],
      [{ ...base, gripRight1: "30" }, "gripUnit"],
      [{ ...base, chairStand: "12", chairStandUnable: "on" }, "chairStand"],
      [{ ...base, b12: "300", b12Unit: "mg/dL" }, "b12Unit"],
      [{ ...base, b12: "300", b12Unit: "pmol/L", b12Date: "2023-02-29" }, "b12Date"],
      [{ ...base, expectedVersion: "1e309", height: "170" }, "expectedVersion"],
      [{ ...base, expectedVersion: ["1", "2"], height: "170" }, "expectedVersion"],
      [{ ...base, height: ["170"] }, "height"],
      [base, "form"],
    ] as const) {
      cases += 1;
      const result = assessmentFormSchema.safeParse(form);
      expect(result.success, JSON.stringify(form).slice(0, 120)).toBe(false);
      if (!result.success) expect(result.error.issues.map((i) => i.path[0])).toContain(field);
    }
    cases += 1;
    const ok = assessmentFormSchema.safeParse({ ...base, height: "230", sppb: "12", chairStandUnable: "on" });
    expect(ok.success).toBe(true);
  });
});

describe("result correction and entered-in-error forms under hostile input", () => {
  it("a correction is a plausible value (or unable) on a real date, else explained", () => {
    const fields = { observationId: idText, version: versionText, kind: fc.constantFrom(...MEASURE_KINDS), value: decimal(0, 300), unit: fc.constantFrom("kg", "lb", "cm", "m/s", "s", "points", "pmol/L", "umol/L", "ng/L"), unable: fc.constantFrom("on", ""), observedAt: isoDate, method: fc.constantFrom("dxa", "bia") };
    counted(RUNS, fc.property(formOf(fields), (form) => {
      const c = parseOrExplain(observationCorrectionSchema, form);
      if (!c) return;
      expect(isId(c.observationId) && isVersion(c.version) && isRealDate(c.observation.observedAt)).toBe(true);
      const { min, max } = PLAUSIBLE_RANGES[c.observation.kind];
      if (!c.observation.isUnable) expect(c.observation.value! >= min && c.observation.value! <= max).toBe(true);
    }));
  });

  it("an entered-in-error reason is 3–500 characters after trimming", () => {
    const fields = { observationId: idText, version: versionText, reason: fc.string({ maxLength: 600 }) };
    counted(RUNS, fc.property(formOf(fields), (form) => {
      const e = parseOrExplain(observationErrorSchema, form);
      if (e) expect(e.reason.length >= 3 && e.reason.length <= 500 && isVersion(e.version)).toBe(true);
    }));
    for (const reason of ["  ab  ", "x".repeat(501), MEGABYTE_UNICODE]) {
      cases += 1;
      expect(observationErrorSchema.safeParse({ observationId: "o1", version: "1", reason }).success).toBe(false);
    }
  });
});

describe("flag forms under hostile input", () => {
  const ref = { flagId: idText, version: versionText };
  it("outreach, close and reopen accept only listed choices and a positive whole version", () => {
    counted(RUNS, fc.property(formOf({ ...ref, outreach: fc.constantFrom("none", "contacted", "scheduled", "declined") }), (form) => {
      const v = parseOrExplain(flagOutreachSchema, form);
      if (v) expect(isId(v.flagId) && isVersion(v.version) && ["none", "contacted", "scheduled", "declined"].includes(v.outreach)).toBe(true);
    }));
    counted(RUNS, fc.property(formOf({ ...ref, reason: fc.constantFrom("done_elsewhere", "not_indicated", "patient_declined", "deceased", "left_clinic", "other"), note: fc.string({ maxLength: 520 }) }), (form) => {
      const v = parseOrExplain(flagCloseSchema, form);
      if (v) expect(isVersion(v.version) && (v.note === null || (v.note.length > 0 && v.note.length <= 500)) && (v.reason !== "other" || v.note !== null)).toBe(true);
    }));
    counted(RUNS, fc.property(formOf({ ...ref, expectedOn: fc.string({ maxLength: 12 }) }), (form) => {
      const v = parseOrExplain(flagOrderSchema, form);
      if (v) expect(isVersion(v.version) && (v.expectedOn === null || !Number.isNaN(v.expectedOn.getTime()))).toBe(true);
    }));
    counted(RUNS, fc.property(formOf({ ...ref, until: fc.string({ maxLength: 12 }), note: fc.string({ maxLength: 520 }) }), (form) => {
      const v = parseOrExplain(flagPostponeSchema, form);
      if (v) expect(isVersion(v.version) && !Number.isNaN(v.until.getTime())).toBe(true);
    }));
    counted(RUNS, fc.property(formOf(ref), (form) => {
      const v = parseOrExplain(flagReopenSchema, form);
      if (v) expect(isId(v.flagId) && isVersion(v.version)).toBe(true);
    }));
  });

  it("boundary versions: 0, -1, 1.5, 1e309, NaN, Infinity, -0, two values are refused", () => {
    // (An array ["2"] is coerced to 2 — still a positive whole version; FormData never sends arrays.)
    for (const version of ["0", "-1", "1.5", "1e309", "NaN", "Infinity", "-0", ["1", "2"], "", "   "]) {
      cases += 1;
      expect(flagReopenSchema.safeParse({ flagId: "f1", version }).success, String(version)).toBe(false);
    }
  });
});

describe("medicines and conditions forms under hostile input", () => {
  const catalogueIds = MEDICINE_CATALOGUE.map((e) => e.id);
  it("adding: a catalogue entry or a bounded free-text name, on a real start date", () => {
    const fields = { patientId: idText, expectedVersion: versionText, query: fc.oneof(fc.string({ maxLength: 250 }), fc.constantFrom("metformin", "Nexium", "omeprazole")), choice: fc.constantFrom(FREE_TEXT_CHOICE, "", "nonexistent", ...catalogueIds), startedOn: isoDate };
    counted(RUNS, fc.property(formOf(fields), (form) => {
      const v = parseOrExplain(medicationAddSchema, form);
      if (!v) return;
      expect(isVersion(v.expectedVersion) && v.name.length > 0 && v.name.length <= MAX_MEDICINE_NAME).toBe(true);
      if (v.catalogueId !== null) expect(catalogueIds).toContain(v.catalogueId);
      if (v.startedOn !== null) expect(isRealDate(v.startedOn)).toBe(true);
    }));
  });

  it("editing and stopping: real dates, never a stop before the start", () => {
    const fields = { medicationId: idText, expectedVersion: versionText, startedOn: isoDate, stoppedOn: isoDate };
    counted(RUNS, fc.property(formOf(fields), (form) => {
      const v = parseOrExplain(medicationEditSchema, form);
      if (!v) return;
      for (const d of [v.startedOn, v.stoppedOn]) if (d !== null) expect(isRealDate(d)).toBe(true);
      if (v.startedOn && v.stoppedOn) expect(v.stoppedOn.getTime()).toBeGreaterThanOrEqual(v.startedOn.getTime());
    }));
    counted(RUNS, fc.property(formOf(fields), (form) => {
      const v = parseOrExplain(medicationStopSchema, form);
      if (v) expect(isRealDate(v.stoppedOn) && isVersion(v.expectedVersion)).toBe(true);
    }));
  });

  it("conditions: only listed codes", () => {
    counted(RUNS, fc.property(formOf({ patientId: idText, expectedVersion: versionText, code: fc.constantFrom(...CONDITION_CODES) }), (form) => {
      const v = parseOrExplain(conditionChangeSchema, form);
      if (v) expect(CONDITION_CODES).toContain(v.code);
    }));
  });

  it("boundary cases are refused", () => {
    for (const form of [
      { medicationId: "m1", expectedVersion: "1", stoppedOn: "2023-02-30" },
      { medicationId: "m1", expectedVersion: "1", stoppedOn: "" },
      { medicationId: "m1", expectedVersion: "1", stoppedOn: "1899-12-31" },
      { medicationId: "m1", expectedVersion: "1", stoppedOn: ["2026-01-01"] },
    ]) {
      cases += 1;
      expect(medicationStopSchema.safeParse(form).success).toBe(false);
    }
    cases += 2;
    expect(medicationAddSchema.safeParse({ patientId: "p1", expectedVersion: "1", query: "x".repeat(MAX_MEDICINE_NAME + 1), choice: FREE_TEXT_CHOICE }).success).toBe(false);
    expect(medicationEditSchema.safeParse({ medicationId: "m1", expectedVersion: "1", startedOn: "2026-02-01", stoppedOn: "2026-01-31" }).success).toBe(false);
  });
});

/** Every leaf path of the threshold set ("ewgsop2.gripKg.male"). */
function leafPaths(value: unknown, prefix: string[] = []): string[][] {
  if (value && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => leafPaths(v, [...prefix, k]));
  return [prefix];
}
function setLeaf(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const part of path.slice(0, -1)) node = node[part] as Record<string, unknown>;
  node[path.at(-1)!] = value;
}
function assertSaneThresholds(t: ThresholdValues): void {
  for (const path of leafPaths(t)) {
    const leaf = path.reduce<unknown>((node, k) => (node as Record<string, unknown>)[k], t);
    if (typeof leaf === "number") expect(Number.isFinite(leaf) && leaf >= 0, path.join(".")).toBe(true);
  }
  expect(t.b12.serumDeficientBelow.pmolL).toBeLessThan(t.b12.serumAdequateAbove.pmolL);
  expect(t.b12.mmaNormalAtMostUmolL).toBeLessThan(t.b12.mmaDeficientAboveUmolL);
}

describe("threshold set and threshold form under hostile input", () => {
  const paths = leafPaths(DEFAULT_THRESHOLDS);
  it("the stored threshold set: one to three leaves replaced by anything → valid and ordered, or explained", () => {
    counted(RUNS, fc.property(fc.array(fc.tuple(fc.constantFrom(...paths), hostile), { minLength: 1, maxLength: 3 }), (edits) => {
      const values = structuredClone(DEFAULT_THRESHOLDS) as unknown as Record<string, unknown>;
      for (const [path, value] of edits) setLeaf(values, path, value);
      const v = parseOrExplain(thresholdValuesSchema, values);
      if (v) assertSaneThresholds(v as ThresholdValues);
    }));
  });

  it("the admin form: every field hostile or absent → a valid set, or an error per field in words", () => {
    const names = describeThresholds(DEFAULT_THRESHOLDS).map((e) => `t:${e.key}`);
    const valid = Object.fromEntries(describeThresholds(DEFAULT_THRESHOLDS).map((e) => [`t:${e.key}`, fc.constant(typeof e.value === "boolean" ? (e.value ? "on" : "") : String(e.value))]));
    const fields = { ...valid, effectiveFrom: isoDate, note: fc.string({ maxLength: 40 }) };
    counted(RUNS, fc.property(formOf(fields), (form) => {
      const result = parseThresholdForm(DEFAULT_THRESHOLDS, form);
      if (result.ok) {
        assertSaneThresholds(result.values);
        expect(isRealDate(result.effectiveFrom) && result.note.length >= 3).toBe(true);
      } else {
        expect(Object.keys(result.fieldErrors).length).toBeGreaterThan(0);
        for (const [name, messages] of Object.entries(result.fieldErrors)) {
          expect([...names, "effectiveFrom", "note"]).toContain(name);
          for (const m of messages) expect(m.trim().length).toBeGreaterThan(5);
        }
      }
    }));
  });

  it("boundary cases: 1e309, NaN, -0, negative, inverted bands are refused", () => {
    const form = (edit: Record<string, unknown>) => ({
      ...Object.fromEntries(describeThresholds(DEFAULT_THRESHOLDS).map((e) => [`t:${e.key}`, typeof e.value === "boolean" ? (e.value ? "on" : "") : String(e.value)])),
      effectiveFrom: "2026-12-01",
      note: "annual review",
      ...edit,
    });
    cases += 1;
    expect(parseThresholdForm(DEFAULT_THRESHOLDS, form({})).ok).toBe(true);
    for (const edit of [
      { "t:ewgsop2.gripKg.male": "1e309" }, { "t:ewgsop2.gripKg.male": "NaN" }, { "t:ewgsop2.gripKg.male": "-0" }, { "t:ewgsop2.gripKg.male": "0" },
      { "t:ewgsop2.gripKg.male": "-27" }, { "t:ewgsop2.gripKg.male": ["27"] }, { "t:b12.serumDeficientBelow.pmolL": "999" },
      { effectiveFrom: "2023-02-30" }, { note: "  " }, { "t:screening.ageYears": "17" }, { "t:screening.ageYears": "65.5" },
    ]) {
      cases += 1;
      expect(parseThresholdForm(DEFAULT_THRESHOLDS, form(edit)).ok, JSON.stringify(edit)).toBe(false);
    }
  });
});

describe("cohort criteria under hostile input", () => {
  const rowKey = fc.tuple(fc.integer({ min: 0, max: 1200 }), fc.constantFrom("field", "op", "value", "within")).map(([n, part]) => `c${n}.${part}`);
  const rowValue = fc.oneof(fc.constantFrom(...COHORT_FIELD_NAMES, ...Object.keys(COHORT_OPS), "female", "high", "6", "240", "241", "0"), hostileScalar.filter((v): v is string => typeof v === "string"));
  const params = fc.dictionary(fc.oneof(rowKey, fc.constantFrom("match", "__proto__", "constructor", "c1.field", "c01.field")), fc.oneof(rowValue, fc.array(rowValue, { maxLength: 2 })), { maxKeys: 40 });

  it("URL rows → at most 20 valid criteria and one explained issue per bad row", () => {
    counted(RUNS, fc.property(params, (p) => {
      const rows = readCohortRows(p);
      const { criteria, issues } = parseCohortRows(rows);
      expect(criteria.length).toBeLessThanOrEqual(MAX_CRITERIA);
      expect(criteria.length + issues.length).toBeGreaterThanOrEqual(Math.min(rows.length, MAX_CRITERIA));
      for (const issue of issues) expect(issue.message).toMatch(/^(Criterion \d+|A cohort takes)/);
      for (const c of criteria) {
        const def = fieldDef(c.field);
        expect(def.ops).toContain(c.op);
        if (c.within !== undefined) expect(Number.isInteger(c.within) && c.within >= 1 && c.within <= MAX_WITHIN_MONTHS).toBe(true);
        if (def.unit && c.value !== undefined) expect(Number.isFinite(Number(c.value)) && Number(c.value) >= 0).toBe(true);
        if (def.choices && c.value !== undefined) expect(Object.keys(def.choices)).toContain(c.value);
      }
    }));
  });

  it("the criterion schema itself: anything in any field → a valid criterion or an explained refusal", () => {
    const fields = { field: fc.constantFrom(...COHORT_FIELD_NAMES), op: fc.constantFrom(...Object.keys(COHORT_OPS)), value: fc.constantFrom("female", "20", "high", "metformin"), within: fc.integer({ min: 1, max: 240 }) };
    counted(RUNS, fc.property(formOf(fields), (form) => {
      const c = parseOrExplain(cohortCriterionSchema, form);
      if (c) expect(fieldDef(c.field).ops).toContain(c.op);
    }));
  });

  it("boundary cases are reported, never dropped", () => {
    for (const row of [
      { field: "age", op: "gte", value: "1e309", within: "" }, { field: "age", op: "gte", value: "NaN", within: "" }, { field: "age", op: "gte", value: "131", within: "" },
      { field: "age", op: "gte", value: "-0.5", within: "" }, { field: "grip_strength", op: "lt", value: "Infinity", within: "" }, { field: "grip_strength", op: "lt", value: "20", within: "241" },
      { field: "grip_strength", op: "lt", value: "20", within: "0" }, { field: "sex", op: "is", value: "__proto__", within: "" }, { field: "sex", op: "is", value: "constructor", within: "" },
      { field: "__proto__", op: "is", value: "x", within: "" }, { field: "sex", op: "gte", value: "female", within: "" }, { field: "age", op: "gte", value: "70", within: "6" },
    ]) {
      cases += 1;
      const { criteria, issues } = parseCohortRows([row]);
      expect(criteria, JSON.stringify(row)).toHaveLength(0);
      expect(issues).toHaveLength(1);
    }
    cases += 1;
    expect(parseCohortRows(Array.from({ length: 21 }, () => ({ field: "sex", op: "is", value: "female", within: "" }))).issues[0]!.message).toContain("at most 20");
  });
});

describe("upload fields and files under hostile input", () => {
  it("the text fields: a known mode, and import only with a preview id of at most 100 characters", () => {
    for (const schema of [spreadsheetUploadFieldsSchema, fhirUploadFieldsSchema]) {
      counted(RUNS, fc.property(formOf({ mode: fc.constantFrom("preview", "import"), skipInvalid: fc.constantFrom("on", "true", "false", ""), previewJobId: fc.string({ maxLength: 120 }) }), (form) => {
        const v = parseOrExplain(schema, form);
        if (!v) return;
        expect(["preview", "import"]).toContain(v.mode);
        if (v.mode === "import") expect(v.previewJobId!.length > 0 && v.previewJobId!.length <= 100).toBe(true);
      }));
    }
  });

  it("the files: hostile names and types are refused in words; sizes outside 1 byte–50 MB too", () => {
    const file = fc.record({
      name: fc.oneof(fc.constantFrom("visits.csv", "VISITS.CSV", "visits.xlsx", "b.json", "b.ndjson", "x.csv.exe", ".csv", "../../etc/passwd.csv", "a\u0000.csv"), hostileScalar.filter((v): v is string => typeof v === "string")),
      size: fc.oneof(fc.nat({ max: 2 * MAX_UPLOAD_BYTES }), fc.constantFrom(0, 1, MAX_UPLOAD_BYTES, MAX_UPLOAD_BYTES + 1)),
      type: fc.oneof(fc.constantFrom("", "text/csv", "application/json", "application/x-msdownload", "TEXT/CSV"), fc.string({ maxLength: 30 })),
    });
    counted(RUNS, fc.property(file, (f) => {
      const problem = spreadsheetFileProblem(f);
      if (problem === null) expect(/\.csv$/i.test(f.name) && f.size >= 1 && f.size <= MAX_UPLOAD_BYTES).toBe(true);
      else expect(problem.length).toBeGreaterThan(20);
    }));
    counted(RUNS, fc.property(fc.array(file, { maxLength: 120 }), (files) => {
      const problem = fhirFilesProblem(files);
      if (problem === null) {
        expect(files.length >= 1 && files.length <= 100).toBe(true);
        expect(files.reduce((sum, f) => sum + f.size, 0)).toBeLessThanOrEqual(MAX_UPLOAD_BYTES);
      } else expect(problem.length).toBeGreaterThan(20);
    }));
  });
});

describe("URL filters under hostile input", () => {
  it("the audit page's filter never fails the page: whatever does not parse is dropped", () => {
    const value = fc.oneof(hostileScalar.filter((v): v is string => typeof v === "string"), fc.constantFrom(...AUDIT_ACTIONS), isoDate);
    const params = fc.dictionary(fc.constantFrom("actor", "action", "mrn", "from", "to", "cursor", "__proto__"), fc.oneof(value, fc.array(value, { maxLength: 3 })));
    counted(RUNS, fc.property(params, (p) => {
      const q = parseAuditQuery(p);
      if (q.actor !== undefined) expect(q.actor.length >= 1 && q.actor.length <= 64).toBe(true);
      if (q.mrn !== undefined) expect(q.mrn.length >= 1 && q.mrn.length <= 64).toBe(true);
      if (q.action !== undefined) expect(AUDIT_ACTIONS).toContain(q.action);
      for (const d of [q.from, q.to]) if (d !== undefined) expect(new Date(`${d}T00:00:00Z`).toISOString().slice(0, 10)).toBe(d);
    }));
    counted(RUNS, fc.property(formOf({ actor: fc.constant("u1"), action: fc.constantFrom(...AUDIT_ACTIONS), from: isoDate }), (form) => {
      expect(() => auditQuerySchema.parse(form)).not.toThrow();
    }));
    for (const from of ["2023-02-30", "2023-02-29", "1e309", "NaN", MEGABYTE_ASCII]) {
      cases += 1;
      expect(parseAuditQuery({ from }).from).toBeUndefined();
    }
  });

  it("the FHIR export cohort: only listed tiers and flags, or a RangeError that names the value", () => {
    const tiers = Object.keys(TIER_RANK);
    const value = fc.oneof(fc.constantFrom(...tiers, ...FLAG_CODES, "", ",", " high , low "), hostileScalar.filter((v): v is string => typeof v === "string"));
    counted(RUNS, fc.property(fc.array(fc.tuple(fc.constantFrom("tier", "flag", "other"), value), { maxLength: 6 }), (pairs) => {
      let query;
      try {
        query = parseFhirExportQuery(new URLSearchParams(pairs));
      } catch (error) {
        expect(error).toBeInstanceOf(RangeError);
        expect((error as Error).message).toMatch(/is not a (tier|flag); use /);
        return;
      }
      for (const t of query.tiers) expect(tiers).toContain(t);
      for (const f of query.flags) expect(FLAG_CODES).toContain(f);
    }));
    for (const bad of ["tier=__proto__", "tier=constructor", "flag=NaN", `tier=${"h".repeat(ONE_MB)}`]) {
      cases += 1;
      expect(() => parseFhirExportQuery(new URLSearchParams(bad))).toThrow(RangeError);
    }
  });
});

/** Names Object.prototype answers to: a lookup `record[value]` on a plain object finds these. */
const PROTOTYPE_NAMES = ["__proto__", "constructor", "toString", "hasOwnProperty", "valueOf"] as const;
/** Characters no stored text may hold (lib/domain/text-rules.ts). */
const UNSAFE_TEXT = ["Do\u0000e", "Doe\u0007", "\u001b[31mred", "Doe\u007f", "Doe\u0085", "Doe\u009b2J", "Doe\u202e", "\u202aDoe", "Doe\u2066x", "x\u2069", "Doe\ud800", "\udfffDoe"];

describe("prototype names in every enumerated form field", () => {
  const issuesOn = (schema: z.ZodType, form: Record<string, unknown>) => {
    const result = schema.safeParse(form);
    return result.success ? null : result.error.issues.map((i) => String(i.path[0] ?? "form"));
  };
  const assessment = { patientId: "p1", expectedVersion: "1", visitDate: "2026-01-01", gripRight1: "30", gripUnit: "kg", asm: "15", asmMethod: "dxa", b12: "300", b12Unit: "pmol/L", weight: "70", weightUnit: "kg", walk400: "400", walk400Unit: "s", gaitMode: "time", gaitValue: "4" };
  const enumerated: [string, z.ZodType, Record<string, unknown>, string][] = [
    ["gripUnit", assessmentFormSchema, assessment, "gripUnit"],
    ["asmMethod", assessmentFormSchema, assessment, "asmMethod"],
    ["b12Unit", assessmentFormSchema, assessment, "b12Unit"],
    ["weightUnit", assessmentFormSchema, assessment, "weightUnit"],
    ["walk400Unit", assessmentFormSchema, assessment, "walk400Unit"],
    ["gaitMode", assessmentFormSchema, assessment, "gaitMode"],
    ["correction kind", observationCorrectionSchema, { observationId: "o1", version: "1", kind: "asm", value: "15", unit: "kg", observedAt: "2026-01-01", method: "dxa" }, "kind"],
    ["correction unit", observationCorrectionSchema, { observationId: "o1", version: "1", kind: "grip_strength", value: "30", unit: "kg", observedAt: "2026-01-01" }, "unit"],
    ["correction method", observationCorrectionSchema, { observationId: "o1", version: "1", kind: "asm", value: "15", unit: "kg", observedAt: "2026-01-01", method: "dxa" }, "method"],
    ["outreach", flagOutreachSchema, { flagId: "f1", version: "1", outreach: "contacted" }, "outreach"],
    ["close reason", flagCloseSchema, { flagId: "f1", version: "1", reason: "done_elsewhere" }, "reason"],
    ["medicine choice", medicationAddSchema, { patientId: "p1", expectedVersion: "1", query: "metformin", choice: "metformin" }, "choice"],
    ["condition code", conditionChangeSchema, { patientId: "p1", expectedVersion: "1", code: "gastrectomy" }, "code"],
    ["upload mode", spreadsheetUploadFieldsSchema, { mode: "preview" }, "mode"],
    ["cohort field", cohortCriterionSchema, { field: "sex", op: "is", value: "female" }, "field"],
    ["cohort op", cohortCriterionSchema, { field: "sex", op: "is", value: "female" }, "op"],
    ["cohort value", cohortCriterionSchema, { field: "sex", op: "is", value: "female" }, "value"],
  ];

  it("each valid form is valid", () => {
    for (const [label, schema, form] of enumerated) expect(issuesOn(schema, form), label).toBeNull();
  });

  it("each of __proto__, constructor, toString, hasOwnProperty and valueOf is refused naming the field", () => {
    for (const [label, schema, form, field] of enumerated) {
      for (const name of PROTOTYPE_NAMES) {
        const issues = issuesOn(schema, { ...form, [field]: name });
        expect(issues, `${label}=${name}`).not.toBeNull();
        expect(issues, `${label}=${name}`).toContain(field);
      }
    }
  });

  it("a medicine typed as a prototype name is free text, not a catalogue entry", () => {
    for (const name of PROTOTYPE_NAMES) {
      const v = medicationAddSchema.parse({ patientId: "p1", expectedVersion: "1", query: name, choice: FREE_TEXT_CHOICE });
      expect(v).toMatchObject({ catalogueId: null, name });
    }
  });

  it("URL filters: a prototype name in a tier, flag, audit action or cohort row is dropped or refused, never looked up", () => {
    for (const name of PROTOTYPE_NAMES) {
      expect(() => parseFhirExportQuery(new URLSearchParams({ tier: name }))).toThrow(RangeError);
      expect(() => parseFhirExportQuery(new URLSearchParams({ flag: name }))).toThrow(RangeError);
      expect(parseAuditQuery({ action: name }).action).toBeUndefined();
      for (const row of [{ field: name, op: "is", value: "x", within: "" }, { field: "sex", op: name, value: "female", within: "" }, { field: "medicine", op: "taking", value: name, within: "" }, { field: "outreach", op: "is", value: name, within: "" }]) {
        const { criteria, issues } = parseCohortRows([row]);
        expect(criteria, JSON.stringify(row)).toEqual([]);
        expect(issues).toHaveLength(1);
      }
    }
  });
});

describe("prototype names as keys of JSON and form inputs", () => {
  it("the stored threshold set: __proto__, constructor… as keys at any level are dropped, never copied onto a prototype", () => {
    const json = JSON.stringify(DEFAULT_THRESHOLDS);
    for (const name of PROTOTYPE_NAMES) {
      const hostile = JSON.parse(json.replace(/\{/g, `{"${name}":{"polluted":1},`)) as unknown;
      const parsed = thresholdValuesSchema.parse(hostile);
      expect(parsed).toEqual(DEFAULT_THRESHOLDS);
      expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    }
  });

  it("the threshold form: keys t:__proto__, t:constructor.x… are ignored; the set is unchanged", () => {
    const base = Object.fromEntries(describeThresholds(DEFAULT_THRESHOLDS).map((e) => [`t:${e.key}`, typeof e.value === "boolean" ? (e.value ? "on" : "") : String(e.value)]));
    for (const name of PROTOTYPE_NAMES) {
      const form = withPollutionKeys({ ...base, effectiveFrom: "2026-12-01", note: "annual review" }, "1");
      for (const key of [`t:${name}`, `t:${name}.polluted`, `t:ewgsop2.${name}`]) Object.defineProperty(form, key, { value: "5", enumerable: true });
      const result = parseThresholdForm(DEFAULT_THRESHOLDS, form);
      expect(result.ok && result.values).toEqual(DEFAULT_THRESHOLDS);
    }
  });

  it("cohort URL parameters named like prototype properties are not rows", () => {
    for (const name of PROTOTYPE_NAMES) {
      const params = JSON.parse(`{"${name}":"x","c1.field":"sex","c1.op":"is","c1.value":"female"}`) as Record<string, string>;
      expect(parseCohortRows(readCohortRows(params))).toEqual({ criteria: [{ field: "sex", op: "is", value: "female" }], issues: [] });
    }
  });
});

describe("stored free text in the in-app forms: limits and unsafe characters", () => {
  /** Each free-text field: schema, a valid form, the field, its limit, whether it takes line breaks. */
  const fields: [string, (text: string) => boolean | string[], number, boolean][] = [
    ["flag close note", (note) => issuePaths(flagCloseSchema, { flagId: "f1", version: "1", reason: "done_elsewhere", note }), TEXT_LIMITS.note, true],
    ["entered-in-error reason", (reason) => issuePaths(observationErrorSchema, { observationId: "o1", version: "1", reason }), TEXT_LIMITS.note, true],
    ["free-text medicine", (query) => issuePaths(medicationAddSchema, { patientId: "p1", expectedVersion: "1", query, choice: FREE_TEXT_CHOICE }), TEXT_LIMITS.medicineName, false],
    ["saved view name", (name) => issuePaths(savedViewNameSchema, name), TEXT_LIMITS.viewName, false],
    ["threshold note", (note) => {
      const form = { ...Object.fromEntries(describeThresholds(DEFAULT_THRESHOLDS).map((e) => [`t:${e.key}`, typeof e.value === "boolean" ? (e.value ? "on" : "") : String(e.value)])), effectiveFrom: "2026-12-01", note };
      const result = parseThresholdForm(DEFAULT_THRESHOLDS, form);
      return result.ok ? true : Object.keys(result.fieldErrors);
    }, TEXT_LIMITS.note, true],
  ];
  function issuePaths(schema: z.ZodType, input: unknown): true | string[] {
    const result = schema.safeParse(input);
    if (result.success) return true;
    for (const issue of result.error.issues) expect(issue.message.length).toBeGreaterThan(10);
    return result.error.issues.map((i) => String(i.path[0] ?? "value"));
  }

  it("accept ordinary text up to the limit, and line breaks only where the field takes them", () => {
    for (const [label, check, limit, multiline] of fields) {
      expect(check("Rang twice; ok — Müller, 🧪 O'Brien"), label).toBe(true);
      expect(check("x".repeat(limit)), `${label} at ${limit}`).toBe(true);
      expect(check("x".repeat(limit + 1)), `${label} over ${limit}`).not.toBe(true);
      expect(check("first line\nsecond\tline") === true, `${label} with a line break`).toBe(multiline);
    }
  });

  it("refuse NUL, other controls, escape sequences, text-direction controls and broken characters with a sentence", () => {
    for (const [label, check] of fields) {
      for (const text of UNSAFE_TEXT) {
        cases += 1;
        expect(check(text), `${label}: ${JSON.stringify(text)}`).not.toBe(true);
      }
    }
    const result = flagCloseSchema.safeParse({ flagId: "f1", version: "1", reason: "done_elsewhere", note: "called\u0000" });
    expect(!result.success && result.error.issues[0]!.message).toBe("The note contains a NUL character (U+0000), which cannot be stored. Remove it: it usually comes from a broken export or from copying out of another program.");
  });

  it("upload file names with control characters or over 255 characters are refused in words", () => {
    for (const name of ["visits\u0000.csv", "\u202evsc.exe.csv", "a\u001b[2J.csv", `${"x".repeat(252)}.csv`]) {
      expect(spreadsheetFileProblem({ name, size: 10, type: "text/csv" }), JSON.stringify(name.slice(0, 20))).toMatch(/^The file's name .* Rename the file/);
      expect(fhirFilesProblem([{ name: name.replace(/csv$/, "json"), size: 10, type: "application/json" }])).toMatch(/^The file's name /);
    }
    expect(spreadsheetFileProblem({ name: `${"x".repeat(251)}.csv`, size: 10, type: "text/csv" })).toBeNull();
  });
});
