import { parse } from "csv-parse/sync";
import { stringify } from "csv-stringify/sync";
import { describe, expect, it } from "vitest";
import { EXPORT_COLUMNS, neutraliseCell, toCohortRow, type ExportPatient } from "@/lib/domain/csv-export";
import { evaluatePatient } from "@/lib/domain/evaluate";
import { DEFAULT_THRESHOLDS } from "@/lib/domain/thresholds";
import { day, history, med, NOW, obs, VISIT } from "./helpers";

const CONTRACT_COLUMNS = [
  "mrn", "family_name", "given_name", "birth_date", "sex", "age", "tier", "ewgsop2", "awgs2019", "b12_status",
  "b12_on_treatment", "flags", "grip_strength_kg", "gait_speed_m_s", "chair_stand_5x_s", "asm_kg", "asmi_kg_m2",
  "sarc_f_score", "b12_pmol_l", "mma_umol_l", "last_assessed_on", "b12_lowering_medications", "evaluated_at", "rule_set_version",
];

function patient(overrides: Partial<ExportPatient> = {}): ExportPatient {
  const h = history({
    observations: [
      obs("grip_strength", 15.04),
      obs("chair_stand_5x", "unable"),
      obs("asm", 13.9, VISIT, { method: "dxa" }),
      obs("height", 155),
      obs("b12_total", 118.0812, VISIT, { reportedValue: "160", reportedUnit: "pg/mL" }),
    ],
    medications: [med("omeprazole"), med("metformin")],
  });
  return {
    mrn: "EX-1",
    familyName: "Example",
    givenName: "Ada",
    birthDate: h.birthDate,
    sex: h.sex,
    diet: h.diet,
    attributedClinician: null,
    lastAssessedAt: VISIT,
    evaluation: evaluatePatient(h, { now: NOW, thresholds: DEFAULT_THRESHOLDS, ruleSetVersion: 1 }),
    observations: h.observations,
    ...overrides,
  };
}

function asRecord(cells: ReturnType<typeof toCohortRow>): Record<string, unknown> {
  return Object.fromEntries(EXPORT_COLUMNS.map((column, i) => [column, cells[i]]));
}

describe("cohort export columns", () => {
  it("starts with the contract columns of docs/design.md#cohort-export-csv in exactly their order", () => {
    expect(EXPORT_COLUMNS.slice(0, CONTRACT_COLUMNS.length)).toEqual(CONTRACT_COLUMNS);
    expect(new Set(EXPORT_COLUMNS).size).toBe(EXPORT_COLUMNS.length);
  });

  it("gives one cell per column, in canonical units, with chair stand 'unable' as text", () => {
    const cells = toCohortRow(patient(), NOW);
    expect(cells).toHaveLength(EXPORT_COLUMNS.length);
    const row = asRecord(cells);
    expect(row).toMatchObject({
      mrn: "EX-1",
      birth_date: "1948-03-02",
      age: 78,
      grip_strength_kg: 15,
      chair_stand_5x_s: "unable",
      asm_kg: 13.9,
      asmi_kg_m2: 5.79,
      b12_pmol_l: 118.1,
      mma_umol_l: null,
      last_assessed_on: "2026-10-01",
      b12_lowering_medications: "metformin;omeprazole",
      evaluated_at: NOW.toISOString(),
      rule_set_version: 1,
      b12_on_treatment: "false",
    });
  });

  it("lists flag codes sorted and `;`-separated", () => {
    const row = asRecord(toCohortRow(patient(), NOW));
    const flags = String(row.flags).split(";");
    expect(flags.length).toBeGreaterThan(1);
    expect(flags).toEqual([...flags].sort());
  });

  it("leaves the evaluation columns empty for a patient never evaluated", () => {
    const row = asRecord(toCohortRow(patient({ evaluation: null, observations: [], lastAssessedAt: null }), NOW));
    expect(row.tier).toBeNull();
    expect(row.flags).toBeNull();
    expect(row.grip_strength_kg).toBeNull();
    expect(row.age).toBe(78);
  });

  it("shows the latest result even when older than the look-back window", () => {
    const row = asRecord(toCohortRow(patient({ observations: [obs("grip_strength", 20, day("2020-01-01")), obs("grip_strength", 18, day("2019-01-01"))] }), NOW));
    expect(row.grip_strength_kg).toBe(20);
  });
});

describe("neutraliseCell (spreadsheet formula injection)", () => {
  it.each([
    ['=HYPERLINK("http://x")', `'=HYPERLINK("http://x")`],
    ["+1", "'+1"],
    ["-cmd", "'-cmd"],
    ["-1+1", "'-1+1"],
    ["@SUM(A1:A2)", "'@SUM(A1:A2)"],
    ["\tcalc", "'\tcalc"],
    ["\rcalc", "'\rcalc"],
  ])("prefixes %j", (input, expected) => {
    expect(neutraliseCell(input)).toBe(expected);
  });

  it.each([["Smith"], ["O'Brien"], ["a=b"], ["-12.5"], ["-3"], [""]])("leaves %j alone", (input) => {
    expect(neutraliseCell(input)).toBe(input);
  });

  it("keeps numbers and empty cells as they are", () => {
    expect(neutraliseCell(-1)).toBe(-1);
    expect(neutraliseCell(0)).toBe(0);
    expect(neutraliseCell(12.5)).toBe(12.5);
    expect(neutraliseCell(null)).toBeNull();
  });

  it("neutralises names in a whole row, and the prefixed cell survives CSV quoting", () => {
    const cells = toCohortRow(patient({ familyName: '=HYPERLINK("http://evil","x")', givenName: "@SUM(1)" }), NOW);
    const [parsed] = parse(stringify([cells])) as string[][];
    expect(parsed?.[1]).toBe(`'=HYPERLINK("http://evil","x")`);
    expect(parsed?.[2]).toBe("'@SUM(1)");
  });
});
