import { evaluatePatient } from "@/lib/domain/evaluate";
import { DEFAULT_THRESHOLDS, type ThresholdValues } from "@/lib/domain/thresholds";
import type {
  Evaluation,
  MeasureKind,
  MedicationInput,
  ObservationInput,
  PatientHistory,
} from "@/lib/domain/types";

export const NOW = new Date("2026-11-21T00:00:00Z");
export const VISIT = new Date("2026-10-01T00:00:00Z");

export function day(iso: string): Date {
  return new Date(`${iso}T00:00:00Z`);
}

export function obs(
  kind: MeasureKind,
  value: number | "unable",
  observedAt: Date = VISIT,
  extra: Partial<ObservationInput> = {},
): ObservationInput {
  return value === "unable"
    ? { kind, value: null, isUnable: true, observedAt, ...extra }
    : { kind, value, isUnable: false, observedAt, ...extra };
}

export function med(catalogueId: string, extra: Partial<MedicationInput> = {}): MedicationInput {
  return { name: catalogueId, catalogueId, startedOn: null, stoppedOn: null, ...extra };
}

/** A 78-year-old woman with nothing recorded unless overridden. */
export function history(overrides: Partial<PatientHistory> = {}): PatientHistory {
  return {
    birthDate: day("1948-03-02"),
    sex: "female",
    diet: "omnivore",
    conditions: [],
    observations: [],
    medications: [],
    ...overrides,
  };
}

export function evaluate(
  h: PatientHistory,
  options: { now?: Date; thresholds?: ThresholdValues } = {},
): Evaluation {
  return evaluatePatient(h, {
    now: options.now ?? NOW,
    thresholds: options.thresholds ?? DEFAULT_THRESHOLDS,
    ruleSetVersion: (options.thresholds ?? DEFAULT_THRESHOLDS).version,
  });
}

export function flagCodes(e: Evaluation): string[] {
  return e.flags.map((f) => f.code);
}

/** Deep-merges a partial threshold override onto the defaults. */
export function withThresholds(patch: (t: ThresholdValues) => void): ThresholdValues {
  const copy = structuredClone(DEFAULT_THRESHOLDS);
  patch(copy);
  return copy;
}

/** Height 200 cm: ASM/height² = ASM / 4 exactly, so index boundaries are exact in floating point. */
export const TALL_HEIGHT = obs("height", 200);
