import { compare } from "./reasons";
import { thresholdRef, withAddedGroups, type ThresholdKey, type ThresholdValues } from "./thresholds";
import type { Comparison } from "./types";

/** A cut-off a printed value must stay on the same side of. */
export interface CutOff {
  value: number;
  comparison: Comparison;
}

/** Quantities the app prints beside a category: the export's measure columns, and ASM/BMI for the screen. */
export type DisplayQuantity = "grip_strength" | "gait_speed" | "chair_stand_5x" | "asm" | "asmi" | "asm_bmi" | "sarc_f" | "b12_total" | "mma";

const banded = <K extends string>(key: K) => [`${key}.age50to64`, `${key}.age65plus`] as const;
const bandedBySex = <K extends string>(key: K) => [`${key}.age50to64.male`, `${key}.age50to64.female`, `${key}.age65plus.male`, `${key}.age65plus.female`] as const;

/**
 * Every cut-off a label the app shows may have been decided by, per quantity (both sexes and
 * both AWGS 2025 age bands: the value is printed without them). B12 in pmol/L is compared with
 * the pmol/L edges; a result reported in ng/L was labelled by the ng/L edges (b12.ts), which no
 * precision of the pmol/L value can reflect.
 */
const CUT_OFF_KEYS: Record<DisplayQuantity, readonly ThresholdKey[]> = {
  grip_strength: [
    "ewgsop2.gripKg.male", "ewgsop2.gripKg.female", "awgs2019.gripKg.male", "awgs2019.gripKg.female", ...bandedBySex("awgs2025.gripKg"),
    "sdoc.gripKg.male", "sdoc.gripKg.female", "fnih.gripKg.male", "fnih.gripKg.female",
  ],
  gait_speed: ["ewgsop2.gaitSpeedMS", "awgs2019.gaitSpeedMS", ...banded("awgs2025.gaitSpeedMS"), "sdoc.gaitSpeedMS"],
  chair_stand_5x: ["ewgsop2.chairStandS", "awgs2019.chairStandS", ...banded("awgs2025.chairStandS")],
  asm: ["ewgsop2.asmKg.male", "ewgsop2.asmKg.female"],
  asmi: [
    "ewgsop2.asmiKgM2.male", "ewgsop2.asmiKgM2.female", "awgs2019.asmiDxaKgM2.male", "awgs2019.asmiDxaKgM2.female",
    "awgs2019.asmiBiaKgM2.male", "awgs2019.asmiBiaKgM2.female", ...bandedBySex("awgs2025.asmiDxaKgM2"), ...bandedBySex("awgs2025.asmiBiaKgM2"),
  ],
  asm_bmi: ["fnih.almBmi.male", "fnih.almBmi.female", ...bandedBySex("awgs2025.asmBmiDxa"), ...bandedBySex("awgs2025.asmBmiBia")],
  // A whole-number score (entry refuses fractions, lib/domain/plausibility.ts), printed exactly
  // at 0 decimals: no rounding can cross its cut-off, so none is listed and the cell stays as it was.
  sarc_f: [],
  b12_total: ["b12.serumDeficientBelow.pmolL", "b12.serumAdequateAbove.pmolL"],
  mma: ["b12.mmaDeficientAboveUmolL", "b12.mmaNormalAtMostUmolL"],
};

const cache = new WeakMap<ThresholdValues, Map<DisplayQuantity, readonly CutOff[]>>();

/** The cut-offs of `quantity` in a clinic's threshold set (remembered per set). */
export function cutOffsFor(quantity: DisplayQuantity, t: ThresholdValues): readonly CutOff[] {
  let byQuantity = cache.get(t);
  if (!byQuantity) {
    byQuantity = new Map();
    cache.set(t, byQuantity);
  }
  let cutOffs = byQuantity.get(quantity);
  if (!cutOffs) {
    const complete = withAddedGroups(t);
    cutOffs = CUT_OFF_KEYS[quantity].map((key) => {
      const ref = thresholdRef(complete, key);
      return { value: ref.value, comparison: ref.comparison };
    });
    byQuantity.set(quantity, cutOffs);
  }
  return cutOffs;
}

/** Decimals added at most before rounding toward the value's side instead. */
const MAX_EXTRA_DECIMALS = 4;

function sameSide(value: number, printed: number, cutOffs: readonly CutOff[]): boolean {
  return cutOffs.every((c) => compare(value, c.comparison, c.value) === compare(printed, c.comparison, c.value));
}

/**
 * `value` rounded for display to `decimals` places — unless that would put the printed number on
 * the other side of a cut-off from the value (26.99 kg printed "27" beside "probable", which
 * grip < 27 kg decided): then with one more decimal, up to four more, until the printed number
 * compares with every cut-off as the value does ("26.99"); past that, rounded toward the side the
 * value lies on. A value not near a cut-off prints as plain rounding would. Non-finite values are
 * returned as they are.
 */
export function displayValue(value: number, decimals: number, cutOffs: readonly CutOff[]): number {
  if (!Number.isFinite(value)) return value;
  const last = decimals + MAX_EXTRA_DECIMALS;
  for (let places = decimals; places <= last; places += 1) {
    const printed = Number(value.toFixed(places));
    if (sameSide(value, printed, cutOffs)) return printed;
  }
  // Within 10^-last of a cut-off: truncate toward the value's side of it (below → down, above → up).
  const factor = 10 ** last;
  const crossed = cutOffs.find((c) => compare(value, c.comparison, c.value) !== compare(Number(value.toFixed(last)), c.comparison, c.value))!;
  const directed = (value < crossed.value ? Math.floor(value * factor) : Math.ceil(value * factor)) / factor;
  return sameSide(value, directed, cutOffs) ? directed : value;
}

/** {@link displayValue} against the cut-offs of `quantity` in the clinic's threshold set. */
export function displayMeasure(quantity: DisplayQuantity, value: number, decimals: number, t: ThresholdValues): number {
  return displayValue(value, decimals, cutOffsFor(quantity, t));
}

/** Decimal places of a number as JavaScript prints it (26.99 → 2, 27 → 0). */
function placesOf(value: number): number {
  const text = String(value);
  if (text.includes("e")) return MAX_EXTRA_DECIMALS * 3;
  const dot = text.indexOf(".");
  return dot < 0 ? 0 : text.length - dot - 1;
}

/**
 * {@link displayMeasure} as text for a table cell: at least `decimals` places, so a column reads
 * evenly ("25.0 kg"), and more only where the cut-offs need them ("26.99 kg" beside a low grip,
 * never "27.0"). Non-finite values print as JavaScript prints them.
 */
export function displayText(quantity: DisplayQuantity, value: number, decimals: number, t: ThresholdValues): string {
  const shown = displayMeasure(quantity, value, decimals, t);
  if (!Number.isFinite(shown)) return String(shown);
  return shown.toFixed(Math.min(Math.max(decimals, placesOf(shown)), 20));
}
