import { readFileSync } from "node:fs";
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { evaluatePatient } from "@/lib/domain/evaluate";
import { DEFAULT_THRESHOLDS } from "@/lib/domain/thresholds";
import type { PatientHistory } from "@/lib/domain/types";
import { parseAssessmentRow, validateHeaders, type AssessmentRow } from "@/lib/validation/assessment-row";

const CONTRACT = new URL("../fixtures/contract/", import.meta.url);
const NOW = new Date("2026-11-21T00:00:00Z");

function readCsv(name: string): Record<string, string>[] {
  return parse(readFileSync(new URL(name, CONTRACT), "utf8"), { columns: true, skip_empty_lines: true });
}

function toHistory(rows: AssessmentRow[]): PatientHistory {
  const first = rows[0];
  if (!first?.demographics.birthDate || !first.demographics.sex) throw new Error("contract row lacks demographics");
  return {
    birthDate: first.demographics.birthDate,
    sex: first.demographics.sex,
    diet: first.diet ?? null,
    conditions: rows.flatMap((r) => r.conditions ?? []),
    observations: rows.flatMap((r) => r.observations),
    medications: rows.flatMap((r) =>
      r.medications.map((m) => ({ name: m.name, catalogueId: m.catalogueId, startedOn: m.startedOn, stoppedOn: null })),
    ),
  };
}

describe("contract: sample-assessments.csv → expected-export.csv (evaluated 2026-11-21)", () => {
  const input = readCsv("sample-assessments.csv");
  const expected = readCsv("expected-export.csv");

  it("has only known headers", () => {
    expect(validateHeaders(Object.keys(input[0] ?? {}))).toEqual([]);
  });

  const byMrn = new Map<string, AssessmentRow[]>();
  for (const record of input) {
    const parsed = parseAssessmentRow(record);
    if (!parsed.ok) throw new Error(`${record.mrn}: ${JSON.stringify(parsed.errors)}`);
    byMrn.set(parsed.row.mrn, [...(byMrn.get(parsed.row.mrn) ?? []), parsed.row]);
  }

  it("covers every expected patient", () => {
    expect([...byMrn.keys()].sort()).toEqual(expected.map((r) => r.mrn).sort());
  });

  it.each(expected.map((row) => [row.mrn ?? "", row] as const))("%s matches the expected export", (mrn, row) => {
    const rows = byMrn.get(mrn);
    if (!rows) throw new Error(`missing ${mrn}`);
    const evaluation = evaluatePatient(toHistory(rows), { now: NOW, thresholds: DEFAULT_THRESHOLDS, ruleSetVersion: 1 });
    const expectedTier = row.tier ?? "";
    const actual = {
      ...(expectedTier === "" ? {} : { tier: evaluation.tier }),
      ewgsop2: evaluation.ewgsop2.category,
      awgs2019: evaluation.awgs2019.category,
      b12_status: evaluation.b12.status,
      b12_on_treatment: String(evaluation.b12.onTreatment),
      flags: evaluation.flags.map((f) => f.code).join(";"),
      b12_lowering_medications: evaluation.medicines.b12Lowering.join(";"),
    };
    expect(actual).toEqual({
      ...(expectedTier === "" ? {} : { tier: expectedTier }),
      ewgsop2: row.ewgsop2,
      awgs2019: row.awgs2019,
      b12_status: row.b12_status,
      b12_on_treatment: row.b12_on_treatment,
      flags: row.flags,
      b12_lowering_medications: row.b12_lowering_medications,
    });
  });

  it("EX-005 (tier left open by the contract) is low: assessed by grip, no rule fires", () => {
    const rows = byMrn.get("EX-005");
    if (!rows) throw new Error("missing EX-005");
    const evaluation = evaluatePatient(toHistory(rows), { now: NOW, thresholds: DEFAULT_THRESHOLDS, ruleSetVersion: 1 });
    expect(evaluation.tier).toBe("low");
    expect(evaluation.ageYears).toBe(69);
  });

  it("output is JSON-serialisable without loss", () => {
    for (const rows of byMrn.values()) {
      const evaluation = evaluatePatient(toHistory(rows), { now: NOW, thresholds: DEFAULT_THRESHOLDS, ruleSetVersion: 1 });
      expect(JSON.parse(JSON.stringify(evaluation))).toEqual(evaluation);
    }
  });
});
