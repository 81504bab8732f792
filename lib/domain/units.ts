import type { MeasureKind } from "./types";

/** International avoirdupois pound, exact by definition. */
export const KG_PER_LB = 0.45359237;
/** Cobalamin: 1 pmol/L = 1.355 pg/mL (docs/clinical-reference.md#b12-units); ng/L is numerically equal to pg/mL. */
export const PG_ML_PER_PMOL_L = 1.355;
export const CM_PER_INCH = 2.54;
/** Distance of the usual-pace walk test recorded as a time (`walk_4m_s`, docs/design.md#assessment-spreadsheet-csv-import). */
export const WALK_TEST_METRES = 4;

/** The unit every `ObservationInput.value` is stored and compared in. */
export const CANONICAL_UNIT: Record<MeasureKind, string> = {
  grip_strength: "kg",
  gait_speed: "m/s",
  chair_stand_5x: "s",
  sppb: "points",
  tug: "s",
  walk_400m: "s",
  asm: "kg",
  height: "cm",
  weight: "kg",
  calf_circumference: "cm",
  sarc_f: "points",
  b12_total: "pmol/L",
  holotc: "pmol/L",
  mma: "umol/L",
  homocysteine: "umol/L",
  egfr: "mL/min/1.73m2",
};

/**
 * Units accepted on entry, per kind; the first is canonical. `s/4m` is the time in seconds
 * for a 4 m usual-pace walk, converted to speed by {@link walkTimeToSpeed}.
 */
export const UNITS_BY_KIND: Record<MeasureKind, readonly string[]> = {
  grip_strength: ["kg", "lb"],
  gait_speed: ["m/s", "s/4m"],
  chair_stand_5x: ["s"],
  sppb: ["points"],
  tug: ["s"],
  walk_400m: ["s", "min"],
  asm: ["kg"],
  height: ["cm", "m", "in"],
  weight: ["kg", "lb"],
  calf_circumference: ["cm"],
  sarc_f: ["points"],
  b12_total: ["pmol/L", "pg/mL", "ng/L"],
  holotc: ["pmol/L"],
  mma: ["umol/L", "nmol/L"],
  homocysteine: ["umol/L"],
  egfr: ["mL/min/1.73m2"],
};

export class UnitError extends Error {
  override readonly name = "UnitError";
}

function foldUnit(unit: string): string {
  // Both the micro sign (U+00B5) and Greek mu (U+03BC) appear in lab exports.
  return unit.trim().replace(/[\u00b5\u03bc]/g, "u").replace(/\s+/g, "").toLowerCase();
}

/** Per kind: spelling as given → accepted unit (or null), bounded so odd input cannot grow it. */
const normalisedUnits = new Map<MeasureKind, Map<string, string | null>>();
const MAX_REMEMBERED_SPELLINGS = 64;

/**
 * The accepted spelling of `unit` for `kind` (case-insensitive; µmol/L = umol/L), or null when
 * the unit is not accepted for that kind. Never guesses: `lbs` is not `lb`.
 */
export function normaliseUnit(kind: MeasureKind, unit: string): string | null {
  // An import asks this for every cell, with the same few spellings: answers are remembered.
  let known = normalisedUnits.get(kind);
  if (!known) {
    known = new Map();
    normalisedUnits.set(kind, known);
  }
  let accepted = known.get(unit);
  if (accepted === undefined) {
    const folded = foldUnit(unit);
    accepted = UNITS_BY_KIND[kind].find((candidate) => foldUnit(candidate) === folded) ?? null;
    if (known.size < MAX_REMEMBERED_SPELLINGS) known.set(unit, accepted);
  }
  return accepted;
}

/** Usual gait speed in m/s from the seconds taken to walk `distanceMetres` (default 4 m). */
export function walkTimeToSpeed(seconds: number, distanceMetres: number = WALK_TEST_METRES): number {
  if (!(seconds > 0) || !Number.isFinite(seconds)) {
    throw new UnitError(`A walk time must be a positive number of seconds (got ${seconds}).`);
  }
  return distanceMetres / seconds;
}

/**
 * Converts a reported value to the kind's canonical unit (see {@link CANONICAL_UNIT}).
 * Throws {@link UnitError} when the unit is not accepted for the kind.
 */
export function toCanonical(kind: MeasureKind, value: number, unit: string): number {
  const accepted = normaliseUnit(kind, unit);
  if (accepted === null) {
    throw new UnitError(
      `"${unit}" is not an accepted unit for ${kind}; use ${UNITS_BY_KIND[kind].join(", ")}.`,
    );
  }
  switch (accepted) {
    case "lb":
      return value * KG_PER_LB;
    case "s/4m":
      return walkTimeToSpeed(value);
    case "min":
      return value * 60;
    case "m":
      return value * 100;
    case "in":
      return value * CM_PER_INCH;
    case "pg/mL":
    case "ng/L":
      return value / PG_ML_PER_PMOL_L;
    case "nmol/L":
      return value / 1000;
    default:
      return value;
  }
}

/** Serum B12 in pg/mL (= ng/L) from pmol/L, for showing a canonical value in a mass unit. */
export function b12PmolToNgL(pmolPerL: number): number {
  return pmolPerL * PG_ML_PER_PMOL_L;
}
