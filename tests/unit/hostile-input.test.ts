import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { ASSESSMENT_COLUMNS, parseAssessmentRow, validateHeaders } from "@/lib/validation/assessment-row";
import { measurementSchema } from "@/lib/validation/measurement";
import { parsePanelQuery } from "@/lib/validation/panel-query";
import { CONDITION_CODES, MEASURE_KINDS } from "@/lib/domain/types";
import { UNITS_BY_KIND } from "@/lib/domain/units";
import { printable, TEXT_LIMITS } from "@/lib/domain/text-rules";
import { mapCondition, mapMedication, mapObservation, mapPatient } from "@/lib/domain/fhir-map";
import { findMedicineById } from "@/lib/domain/medicine-catalogue";
import { LOCAL_SYSTEM, MASS_METHOD_SYSTEM } from "@/lib/domain/fhir-codes";

/**
 * Hostile input against every boundary schema: whatever arrives, each either accepts a value
 * that is finite and plausible or refuses with a sentence naming what to fix — it never throws,
 * never lets NaN/Infinity through, and never answers with an empty message.
 */
const RUNS = 400;
const tricky = fc.oneof(
  fc.string(),
  fc.string({ unit: "grapheme", maxLength: 200 }),
  fc.constantFrom("NaN", "nan", "Infinity", "-Infinity", "1e309", "-1e309", "1e-400", "0x1F", "12,5", "١٢", "  ", "\u0000", "=1+1", "+5", "-0", "2023-02-30", "2023-13-01", "9999-99-99", "unable", "UNABLE", "null", "undefined", "[]", "{}", "1_000"),
  fc.double().map(String),
  fc.integer().map(String),
);
/** Adds a few huge cells (50–60 kB) to the mix; generating them is slow, so fewer runs use it. */
const nasty = fc.oneof({ arbitrary: tricky, weight: 20 }, { arbitrary: fc.string({ minLength: 50_000, maxLength: 60_000 }), weight: 1 });

function assertRefusalIsExplained(errors: { column: string; message: string }[]) {
  expect(errors.length).toBeGreaterThan(0);
  for (const e of errors) expect(e.message.trim().length).toBeGreaterThan(10);
}

function assertFiniteNumbers(value: unknown): void {
  if (typeof value === "number") expect(Number.isFinite(value)).toBe(true);
  else if (Array.isArray(value)) value.forEach(assertFiniteNumbers);
  else if (value && typeof value === "object" && !(value instanceof Date)) Object.values(value).forEach(assertFiniteNumbers);
  else if (value instanceof Date) expect(Number.isNaN(value.getTime())).toBe(false);
}

describe("assessment spreadsheet rows under hostile input", () => {
  it("every cell of every column: accepted values are finite, refusals explained, nothing throws", () => {
    fc.assert(
      fc.property(fc.constantFrom(...ASSESSMENT_COLUMNS.filter((c) => c !== "mrn")), nasty, (column, cell) => {
        const record: Record<string, string> = { mrn: "H-1", family_name: "Doe", given_name: "Jo", birth_date: "1950-01-01", sex: "female", assessed_on: "2026-01-01", [column]: cell };
        const result = parseAssessmentRow(record);
        if (result.ok) assertFiniteNumbers(result.row);
        else assertRefusalIsExplained(result.errors);
      }),
      { numRuns: RUNS },
    );
  });

  it("refuses the classic traps with a reason", () => {
    for (const [column, cell] of [
      ["grip_strength_kg", "1e309"], ["grip_strength_kg", "NaN"], ["gait_speed_m_s", "Infinity"], ["grip_strength_kg", "12,5"],
      ["birth_date", "2023-02-30"], ["assessed_on", "2023-02-29"], ["grip_strength_kg", "250"], ["b12_value", "0"], ["sex", "x"],
    ] as const) {
      const result = parseAssessmentRow({ mrn: "H-1", assessed_on: "2026-01-01", b12_unit: "pmol/L", [column]: cell });
      expect(result.ok, `${column}=${cell}`).toBe(false);
      if (!result.ok) assertRefusalIsExplained(result.errors);
    }
  });

  it("names unknown and duplicated headers", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 40 }).filter((h) => !(ASSESSMENT_COLUMNS as readonly string[]).includes(h.trim().toLowerCase())), (header) => {
        const errors = validateHeaders(["mrn", header]);
        expect(errors.length).toBeGreaterThan(0);
      }),
      { numRuns: RUNS },
    );
  });
});

/** Names Object.prototype answers to: a lookup `record[cell]` on a plain object finds these. */
export const PROTOTYPE_NAMES = ["__proto__", "constructor", "toString", "hasOwnProperty", "valueOf"] as const;
/** The names as a spreadsheet might carry them: any case, with spaces around. */
const prototypeName = fc.tuple(fc.constantFrom(...PROTOTYPE_NAMES), fc.constantFrom("lower", "upper", "as is"), fc.constantFrom("", " ")).map(([name, casing, pad]) =>
  `${pad}${casing === "upper" ? name.toUpperCase() : casing === "lower" ? name.toLowerCase() : name}${pad}`,
);
/**
 * Characters no stored text may hold (lib/domain/text-rules.ts), each with text after it (a tab
 * or line break at the very end of a cell is trimmed away like a space).
 */
const UNSAFE_CHARACTERS = ["\u0000", "\u0001", "\u0007", "\u001b", "\u001b[31m", "\u007f", "\u0085", "\u009b", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\ud800", "\udfff", "\t", "\n", "\r"];
const withUnsafeCharacter = fc.tuple(fc.constantFrom(...UNSAFE_CHARACTERS), fc.constantFrom("", "A", "12"), fc.constantFrom("B", "-3", "z")).map(([ch, before, after]) => `${before}${ch}${after}`);

/** A row valid in every column, so the one hostile cell is the only possible problem. */
const VALID_ROW: Record<string, string> = {
  mrn: "H-1", family_name: "Doe", given_name: "Jo", birth_date: "1950-01-01", sex: "female", diet: "vegan", conditions: "gastrectomy", assessed_on: "2026-01-01",
  grip_strength_kg: "20", asm_kg: "15", asm_method: "dxa", b12_value: "300", b12_unit: "pmol/L", medications: "metformin@2020-01-01",
};

describe("prototype names and unsafe characters in spreadsheet cells", () => {
  it("the valid row is valid", () => {
    expect(parseAssessmentRow(VALID_ROW).ok).toBe(true);
  });

  it("every enumerated column refuses __proto__, constructor, toString, hasOwnProperty and valueOf with its column named", () => {
    fc.assert(
      fc.property(fc.constantFrom("sex", "diet", "conditions", "asm_method", "b12_unit", "chair_stand_5x_s", "walk_400m_s"), prototypeName, (column, value) => {
        const result = parseAssessmentRow({ ...VALID_ROW, chair_stand_5x_s: "12", walk_400m_s: "400", [column]: value });
        expect(result.ok, `${column}=${JSON.stringify(value)}`).toBe(false);
        if (!result.ok) {
          expect(result.errors.map((e) => e.column)).toContain(column);
          assertRefusalIsExplained(result.errors);
        }
      }),
      { numRuns: 200 },
    );
  });

  it("a medicine called like a prototype property is free text, never a catalogue entry", () => {
    for (const name of PROTOTYPE_NAMES) {
      const result = parseAssessmentRow({ ...VALID_ROW, medications: `${name};metformin` });
      expect(result.ok).toBe(true);
      if (result.ok) {
        expect(result.row.medications[0]).toEqual({ name, catalogueId: null, startedOn: null });
        expect(result.row.unknownMedications).toEqual([name]);
      }
    }
  });

  it("a control, escape, text-direction or broken character in any column is refused with the column named", () => {
    fc.assert(
      fc.property(fc.constantFrom(...ASSESSMENT_COLUMNS), withUnsafeCharacter, (column, text) => {
        const result = parseAssessmentRow({ ...VALID_ROW, [column]: `${VALID_ROW[column] ?? "1"}${text}` });
        expect(result.ok, `${column}=${JSON.stringify(text)}`).toBe(false);
        if (!result.ok) {
          expect(result.errors.map((e) => e.column)).toEqual([column]);
          expect(result.errors[0]!.message).toMatch(/^This cell contains .*U\+[0-9A-F]{4}/);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("names, MRNs and medicine names over their limits are refused with the limit in words", () => {
    for (const [column, text, limit] of [
      ["mrn", "M".repeat(TEXT_LIMITS.mrn + 1), TEXT_LIMITS.mrn],
      ["family_name", "D".repeat(TEXT_LIMITS.name + 1), TEXT_LIMITS.name],
      ["given_name", "J".repeat(TEXT_LIMITS.name + 1), TEXT_LIMITS.name],
      ["medications", "x".repeat(TEXT_LIMITS.medicineName + 1), TEXT_LIMITS.medicineName],
    ] as const) {
      const result = parseAssessmentRow({ ...VALID_ROW, [column]: text });
      expect(result.ok, column).toBe(false);
      if (!result.ok) {
        expect(result.errors.map((e) => e.column)).toEqual([column]);
        expect(result.errors[0]!.message).toContain(String(limit));
      }
      expect(parseAssessmentRow({ ...VALID_ROW, [column]: text.slice(1) }).ok, `${column} at the limit`).toBe(true);
    }
  });
});

describe("single measurement entry under hostile input", () => {
  it("accepts only finite values in a known unit, else explains", () => {
    fc.assert(
      fc.property(fc.constantFrom(...MEASURE_KINDS), nasty, fc.oneof(fc.string(), fc.constantFrom("kg", "lb", "lbs", "pmol/L", "ng/L", "m/s", "s")), (kind, value, unit) => {
        const result = measurementSchema.safeParse({ kind, value, unit, observedAt: "2026-01-01" });
        if (result.success) {
          assertFiniteNumbers(result.data);
          // "unable" is a result without a unit; every number must come in an accepted unit.
          if (!result.data.isUnable) expect(UNITS_BY_KIND[kind].map((u) => u.toLowerCase())).toContain(unit.trim().toLowerCase().replace("µ", "u"));
        } else {
          for (const issue of result.error.issues) expect(issue.message.trim().length).toBeGreaterThan(5);
        }
      }),
      { numRuns: RUNS },
    );
  });
});

describe("panel URL parameters under hostile input", () => {
  it("always yields a valid query (an old or tampered bookmark still opens)", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom("q", "sex", "ageMin", "ageMax", "diet", "med", "tier", "flag", "sort", "dir", "page", "size", "mine", "x"), tricky), (params) => {
        const query = parsePanelQuery(params);
        expect([25, 50, 100]).toContain(query.size);
        expect(Number.isInteger(query.page) && query.page >= 1).toBe(true);
        if (query.ageMin !== undefined) expect(Number.isFinite(query.ageMin)).toBe(true);
        if (query.q !== undefined) expect(query.q.length).toBeLessThanOrEqual(100);
      }),
      { numRuns: RUNS },
    );
  });
});

describe("FHIR resources with prototype names and unsafe text", () => {
  const NOW = new Date("2026-06-01T00:00:00Z");
  const patient = () => ({ resourceType: "Patient", id: "p-1", identifier: [{ type: { coding: [{ code: "MR" }] }, value: "MRN-1" }], name: [{ use: "official", family: "Doe", given: ["Jo"] }], gender: "female", birthDate: "1950-01-01" });
  const grip = () => ({ resourceType: "Observation", id: "o-1", status: "final", code: { coding: [{ system: "http://loinc.org", code: "83174-3" }] }, subject: { reference: "Patient/p-1" }, effectiveDateTime: "2026-01-01", valueQuantity: { value: 20, unit: "kg", system: "http://unitsofmeasure.org", code: "kg" } });
  const asm = () => ({ ...grip(), id: "o-2", code: { coding: [{ system: LOCAL_SYSTEM, code: "asm" }] }, method: { coding: [{ system: MASS_METHOD_SYSTEM, code: "dxa" }] } });
  const medication = () => ({ resourceType: "MedicationStatement", id: "m-1", status: "active", subject: { reference: "Patient/p-1" }, medicationCodeableConcept: { coding: [{ system: "http://www.nlm.nih.gov/research/umls/rxnorm", code: "6809", display: "metformin" }], text: "metformin" }, effectivePeriod: { start: "2020-01-01" } });
  const condition = () => ({ resourceType: "Condition", id: "c-1", subject: { reference: "Patient/p-1" }, code: { coding: [{ system: "http://snomed.info/sct", code: "53442002" }] }, clinicalStatus: { coding: [{ code: "active" }] }, verificationStatus: { coding: [{ code: "confirmed" }] } });

  /** Every enumerated field the mapping reads: resource factory, path to the field. */
  const ENUMERATED: [string, () => Record<string, unknown>, (string | number)[]][] = [
    ["Patient.gender", patient, ["gender"]],
    ["Patient.identifier.type code", patient, ["identifier", 0, "type", "coding", 0, "code"]],
    ["Patient.name.use", patient, ["name", 0, "use"]],
    ["Observation.status", grip, ["status"]],
    ["Observation.code system", grip, ["code", "coding", 0, "system"]],
    ["Observation.code code", grip, ["code", "coding", 0, "code"]],
    ["Observation.valueQuantity.code", grip, ["valueQuantity", "code"]],
    ["Observation.valueQuantity.unit", grip, ["valueQuantity", "unit"]],
    ["Observation.valueQuantity.system", grip, ["valueQuantity", "system"]],
    ["Observation.method code", asm, ["method", "coding", 0, "code"]],
    ["Observation.method system", asm, ["method", "coding", 0, "system"]],
    ["MedicationStatement.status", medication, ["status"]],
    ["MedicationStatement code system", medication, ["medicationCodeableConcept", "coding", 0, "system"]],
    ["MedicationStatement code", medication, ["medicationCodeableConcept", "coding", 0, "code"]],
    ["MedicationStatement display", medication, ["medicationCodeableConcept", "coding", 0, "display"]],
    ["MedicationStatement text", medication, ["medicationCodeableConcept", "text"]],
    ["Condition code system", condition, ["code", "coding", 0, "system"]],
    ["Condition code", condition, ["code", "coding", 0, "code"]],
    ["Condition.clinicalStatus", condition, ["clinicalStatus", "coding", 0, "code"]],
    ["Condition.verificationStatus", condition, ["verificationStatus", "coding", 0, "code"]],
  ];
  function setAt(resource: Record<string, unknown>, path: (string | number)[], value: unknown): Record<string, unknown> {
    let node = resource as Record<string | number, unknown>;
    for (const part of path.slice(0, -1)) node = node[part] as Record<string | number, unknown>;
    node[path.at(-1)!] = value;
    return resource;
  }
  function mapAny(resource: Record<string, unknown>) {
    switch (resource.resourceType) {
      case "Patient": return mapPatient(resource);
      case "Observation": return mapObservation(resource, NOW);
      case "Condition": return mapCondition(resource);
      default: return mapMedication(resource);
    }
  }
  const SEXES = ["female", "male", "unknown"];

  it("the resources as built map cleanly", () => {
    for (const make of [patient, grip, asm, medication, condition]) expect(mapAny(make()).status).toBe("ok");
    const mass = mapObservation(asm(), NOW);
    expect(mass.status === "ok" && mass.value.method).toBe("dxa");
  });

  it("a prototype name in any enumerated field maps to the app's vocabulary or is refused with a reason", () => {
    fc.assert(
      fc.property(fc.constantFrom(...ENUMERATED), fc.constantFrom(...PROTOTYPE_NAMES), ([label, make, path], name) => {
        const result = mapAny(setAt(make(), path, name));
        if (result.status === "rejected") expect(result.rejection.reason.length, label).toBeGreaterThan(10);
        if (result.status !== "ok") return;
        const value = result.value as unknown as Record<string, unknown>;
        // Nothing the mapping returns for storage is the prototype's property or a copy of it.
        for (const field of ["sex", "kind", "method", "condition", "catalogueId", "name", "mrn"]) {
          if (field in value) expect(typeof value[field] === "string" || value[field] === null, `${label}: ${field}`).toBe(true);
        }
        if ("sex" in value) expect(SEXES).toContain(value.sex);
        if ("method" in value && value.method !== null) expect(["dxa", "bia"]).toContain(value.method);
        if ("condition" in value) expect(CONDITION_CODES).toContain(value.condition);
        if ("catalogueId" in value && value.catalogueId !== null) expect(findMedicineById(value.catalogueId as string)).not.toBeNull();
      }),
      { numRuns: 200 },
    );
  });

  it("Patient.gender named like a prototype property is sex unknown, never '{}' or a function", () => {
    for (const name of PROTOTYPE_NAMES) {
      const result = mapPatient({ ...patient(), gender: name });
      expect(result.status === "ok" && result.value.sex).toBe("unknown");
    }
  });

  it("a unit named like a prototype property is refused as not accepted for the code", () => {
    for (const name of PROTOTYPE_NAMES) {
      const result = mapObservation(setAt(grip(), ["valueQuantity", "code"], name), NOW);
      expect(result.status).toBe("rejected");
      if (result.status === "rejected") expect(result.rejection.reason).toMatch(/is not an accepted UCUM unit/);
    }
  });

  it("prototype names as keys anywhere in a resource change nothing", () => {
    for (const make of [patient, grip, asm, medication, condition]) {
      const plain = mapAny(make());
      for (const name of PROTOTYPE_NAMES) {
        // JSON.parse makes "__proto__" an own key, as the importer's JSON.parse does.
        const json = JSON.stringify(make()).replace(/^\{/, `{"${name}":{"polluted":1},`).replace(/"coding":\[\{/g, `"coding":[{"${name}":"x",`);
        const hostile = JSON.parse(json) as Record<string, unknown>;
        expect(mapAny(hostile), `${name} in ${String(make().resourceType)}`).toEqual(plain);
      }
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  /** Stored text fields of each resource, with the label the rejection names. */
  const STORED: [string, () => Record<string, unknown>, (string | number)[], number][] = [
    ["Patient.name.family", patient, ["name", 0, "family"], TEXT_LIMITS.name],
    ["Patient.name.given", patient, ["name", 0, "given", 0], TEXT_LIMITS.name],
    ["Patient.identifier (MR) value", patient, ["identifier", 0, "value"], TEXT_LIMITS.mrn],
    ["Patient.id", patient, ["id"], TEXT_LIMITS.fhirId],
    ["Observation.id", grip, ["id"], TEXT_LIMITS.fhirId],
    ["Observation.subject.reference", grip, ["subject", "reference"], TEXT_LIMITS.fhirReference],
    ["MedicationStatement.id", medication, ["id"], TEXT_LIMITS.fhirId],
    ["MedicationStatement.subject.reference", medication, ["subject", "reference"], TEXT_LIMITS.fhirReference],
    ["MedicationStatement.medicationCodeableConcept name", () => ({ ...medication(), medicationCodeableConcept: { text: "Unlisted tonic" } }), ["medicationCodeableConcept", "text"], TEXT_LIMITS.medicineName],
    ["Condition.id", condition, ["id"], TEXT_LIMITS.fhirId],
    ["Condition.subject.reference", condition, ["subject", "reference"], TEXT_LIMITS.fhirReference],
  ];

  it("a control, escape, text-direction or broken character in a stored field rejects the resource naming the field", () => {
    fc.assert(
      fc.property(fc.constantFrom(...STORED), withUnsafeCharacter, ([label, make, path], text) => {
        const result = mapAny(setAt(make(), path, `A${text}`));
        expect(result.status, `${label}=${JSON.stringify(text)}`).toBe("rejected");
        if (result.status === "rejected") {
          expect(result.rejection.reason.startsWith(`${label} contains`), result.rejection.reason).toBe(true);
          // The reason itself is safe to print: no raw control or direction characters.
          expect(result.rejection.reason).toBe(printable(result.rejection.reason));
        }
      }),
      { numRuns: 300 },
    );
  });

  it("stored fields over their limit are rejected with the limit; at the limit they pass", () => {
    for (const [label, make, path, limit] of STORED) {
      const over = mapAny(setAt(make(), path, "a".repeat(limit + 1)));
      expect(over.status, label).toBe("rejected");
      if (over.status === "rejected") expect(over.rejection.reason).toBe(`${label} is ${(limit + 1).toLocaleString("en")} characters long; at most ${limit} are accepted.`);
      expect(mapAny(setAt(make(), path, "a".repeat(limit))).status, `${label} at the limit`).not.toBe("rejected");
    }
    const megabyte = mapPatient(setAt(patient(), ["name", 0, "family"], "x".repeat(1024 * 1024)));
    expect(megabyte.status).toBe("rejected");
  });
});
