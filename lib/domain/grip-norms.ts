import type { Sex } from "./types";

/**
 * Hand-grip strength norms (kg) of the German SOEP panel by sex and age band, weighted: the S3
 * table of Steiber N, "Strong or weak handgrip? Normative reference values for the German
 * population across the life course stratified by sex, age, and body height", PLoS ONE
 * 2016;11(10):e0163917. Transcribed from that table's CSV, kept as a test fixture in
 * tests/fixtures/norms/ (the app never reads it at run time); tests/unit/grip-norms.test.ts checks
 * this table against it. The paper is CC BY 4.0 and must be cited wherever the norms are shown
 * (docs/clinical-reference.md#grip-strength-norms).
 *
 * Hydraulic (e.g. Jamar) and spring (e.g. Smedley) dynamometers read differently, so the band is
 * context for a patient's trend, never a cut-off: the guideline cut-offs live in thresholds.ts.
 */
export const GRIP_NORMS_CITATION = "Steiber N, PLoS ONE 2016;11(10):e0163917, CC BY 4.0";

export interface GripNormRow {
  sex: Exclude<Sex, "unknown">;
  /** Inclusive age band in whole years, as the source writes it (e.g. 65–69). */
  ageFrom: number;
  ageTo: number;
  meanKg: number;
  /** Age-group-specific standard deviation. */
  sdKg: number;
  /** Median (P50). */
  p50Kg: number;
  /** Respondents in the band. */
  n: number;
}

const row = (sex: GripNormRow["sex"], ageFrom: number, ageTo: number, meanKg: number, sdKg: number, p50Kg: number, n: number): GripNormRow => ({
  sex, ageFrom, ageTo, meanKg, sdKg, p50Kg, n,
});

export const GRIP_NORMS: readonly GripNormRow[] = [
  row("female", 17, 19, 31.5, 6.2, 31.4, 526),
  row("female", 20, 24, 32.5, 5.4, 32, 799),
  row("female", 25, 29, 33.6, 5.6, 33.5, 809),
  row("female", 30, 34, 33.3, 5.8, 33, 942),
  row("female", 35, 39, 34.2, 6.2, 34, 1144),
  row("female", 40, 44, 34.5, 6.3, 34.5, 1357),
  row("female", 45, 49, 33.4, 6.1, 33, 1372),
  row("female", 50, 54, 32.2, 5.9, 32, 1291),
  row("female", 55, 59, 30, 5.5, 30, 1092),
  row("female", 60, 64, 29, 5.3, 29, 1004),
  row("female", 65, 69, 27.6, 5.2, 28, 947),
  row("female", 70, 74, 26, 4.9, 26, 895),
  row("female", 75, 79, 24.2, 4.5, 24, 522),
  row("female", 80, 90, 21.4, 4.1, 21, 420),
  row("male", 17, 19, 48.3, 9.6, 48.5, 538),
  row("male", 20, 24, 50.7, 8.2, 50.5, 782),
  row("male", 25, 29, 52.4, 8.3, 52, 710),
  row("male", 30, 34, 53.6, 8.2, 53, 730),
  row("male", 35, 39, 53.4, 9.8, 52.5, 924),
  row("male", 40, 44, 53.8, 9.3, 54, 1172),
  row("male", 45, 49, 52.9, 8.4, 53, 1294),
  row("male", 50, 54, 50.4, 8.4, 50.5, 1189),
  row("male", 55, 59, 49.1, 8.5, 49, 1010),
  row("male", 60, 64, 46.3, 8.4, 46.5, 950),
  row("male", 65, 69, 44.1, 7.3, 44, 1019),
  row("male", 70, 74, 41.7, 7.6, 42, 915),
  row("male", 75, 79, 37.8, 7.9, 38, 582),
  row("male", 80, 90, 33.2, 7.5, 33, 350),
];

export interface GripNormBand {
  row: GripNormRow;
  /** "65–69" */
  ageBand: string;
  /** mean − 1 SD: the source's "risk threshold" (kg). */
  lowerKg: number;
  /** mean + 1 SD (kg). */
  upperKg: number;
  /**
   * true when the patient is older than the oldest band (over 90): the 80–90 band is shown as
   * the nearest available, and the caption says so.
   */
  isBeyondOldestBand: boolean;
}

const round1 = (value: number) => Math.round(value * 10) / 10;

/**
 * The SOEP band for a sex and age in whole years: mean ± 1 SD (kg). Null for unknown sex or an
 * age below the youngest band (17). Ages above 90 get the 80–90 band, marked as beyond it.
 */
export function gripNormFor(sex: Sex, ageYears: number): GripNormBand | null {
  if (sex === "unknown") return null;
  const rows = GRIP_NORMS.filter((r) => r.sex === sex);
  const oldest = rows[rows.length - 1];
  const found = rows.find((r) => ageYears >= r.ageFrom && ageYears <= r.ageTo) ?? (oldest && ageYears > oldest.ageTo ? oldest : undefined);
  if (!found) return null;
  return {
    row: found,
    ageBand: `${found.ageFrom}–${found.ageTo}`,
    lowerKg: round1(found.meanKg - found.sdKg),
    upperKg: round1(found.meanKg + found.sdKg),
    isBeyondOldestBand: ageYears > found.ageTo,
  };
}
