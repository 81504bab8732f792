import { ownValue } from "./own-keys";
import { THRESHOLD_SECTIONS, thresholdSection } from "./threshold-sections";
import {
  describeThresholds,
  formatThresholdValue,
  THRESHOLD_CATALOGUE,
  type ThresholdCatalogueEntry,
  type ThresholdKey,
  type ThresholdValues,
} from "./thresholds";

/**
 * The rules an admin's threshold change must pass before it is saved (docs/design.md#threshold-governance):
 * every number positive and inside its unit's plausible range, and a value far from the guideline
 * it cites confirmed in a second step. Pure; the edit form's parser and the data layer both use it.
 */

/**
 * A plausible range for a threshold in one unit. Wider than any guideline's cut-off and no wider
 * than a plausible measurement (lib/domain/plausibility.ts): a value outside is a typo or a unit
 * mix-up (grip 270 for 27, B12 in pmol/L typed into ng/L), not a local policy.
 */
export interface ThresholdRange {
  min: number;
  /** true: the value must be above `min` (positive, for min 0); false: `min` itself is allowed. */
  aboveMin: boolean;
  max: number;
  /** Counts (days, months, years, score points) are whole numbers. */
  isInteger: boolean;
}

const positive = (max: number, isInteger = false): ThresholdRange => ({ min: 0, aboveMin: true, max, isInteger });
const counted = (min: number, max: number): ThresholdRange => ({ min, aboveMin: false, max, isInteger: true });

/** By unit, as the catalogue writes it (lib/domain/thresholds.ts). */
export const THRESHOLD_UNIT_RANGES: Readonly<Record<string, ThresholdRange>> = {
  kg: positive(150),
  "kg/m²": positive(50),
  "m²": positive(2),
  s: positive(3600),
  "m/s": positive(4),
  cm: positive(70),
  "pmol/L": positive(1000),
  "ng/L": positive(1500),
  "µmol/L": positive(100),
  "mL/min/1.73m²": positive(150),
  years: counted(18, 120),
  months: counted(1, 120),
  // A due date or a window of 0 days is "the same day" (no due-soon window, due at once).
  days: counted(0, 3650),
  points: positive(20, true),
};

/** Values narrower than their unit: scores on their instrument's scale, a window that cannot be empty. */
const KEY_RANGES: Partial<Record<ThresholdKey, ThresholdRange>> = {
  "awgs2025.riskWeightLossWindowDays": counted(1, 3650),
  "ewgsop2.sppbPoints": positive(12, true),
  "awgs2019.sppbPoints": positive(12, true),
  "caseFinding.sarcFPositive": positive(10, true),
  "caseFinding.sarcCalFPositive": positive(20, true),
  "caseFinding.sarcCalFCalfPoints": positive(10, true),
};

/** The plausible range of a numeric threshold; null for a yes/no or a choice. */
export function thresholdRange(key: ThresholdKey, unit: string): ThresholdRange | null {
  return KEY_RANGES[key] ?? ownValue(THRESHOLD_UNIT_RANGES, unit) ?? null;
}

function rangeText(range: ThresholdRange, unit: string): string {
  const lower = range.aboveMin ? `above ${range.min}` : `from ${range.min}`;
  return `${lower} to ${range.max}${unit ? ` ${unit}` : ""}`;
}

export type ThresholdNumberCheck = { ok: true; value: number } | { ok: false; problem: string };

/** A typed decimal, signed or not: "-3" is a number (and refused as negative), "16,5" and "1e2" are not. */
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

/**
 * Checks one typed threshold value: a number, positive (not negative, where 0 means "the same
 * day"), whole where it counts something, and inside the plausible range of its unit. The problem
 * says what to type instead.
 */
export function checkThresholdNumber(key: ThresholdKey, unit: string, typed: string): ThresholdNumberCheck {
  const text = typed.trim();
  const unitWords = unit || "the unit shown";
  if (text === "") return { ok: false, problem: `Enter a value in ${unitWords}.` };
  if (!DECIMAL.test(text)) {
    return { ok: false, problem: /^[+-]?\d+,\d+$/.test(text) ? "Use a point for decimals (e.g. 5.5)." : `Enter a number in ${unitWords} (use a point for decimals).` };
  }
  const value = Number(text);
  const range = thresholdRange(key, unit);
  if (range === null) return { ok: false, problem: "This setting is not a number." };
  const zeroAllowed = range.min === 0 && !range.aboveMin;
  if (value < 0 || (value === 0 && !zeroAllowed)) {
    return { ok: false, problem: zeroAllowed ? "Must not be negative (0 means the same day)." : `Must be positive: enter a value ${rangeText(range, unit)}.` };
  }
  if (range.isInteger && !Number.isInteger(value)) return { ok: false, problem: `Must be a whole number of ${unitWords}.` };
  if (value < range.min || (range.aboveMin && value === range.min) || value > range.max) {
    return { ok: false, problem: `${value} ${unit} is outside the plausible range (${rangeText(range, unit)}); check the value and its unit.` };
  }
  return { ok: true, value };
}

/** How far a value may be from its guideline's before the admin confirms it: more than this asks. */
export const GUIDELINE_CONFIRM_FRACTION = 0.1;

/**
 * Room for binary rounding only: 16 → 17.6 is exactly 10 % (it computes as 0.10000000000000009).
 * Values are typed with a few decimals, so no real difference is this small.
 */
const ROUNDING = 1e-9;

export interface GuidelineDeviation {
  key: ThresholdKey;
  /** The section's short name and the value's label: "EWGSOP2 · Low strength: grip, women". */
  label: string;
  unit: string;
  value: number;
  guideline: number;
  /** Signed, in per cent of the guideline value, to one decimal (e.g. 25 or -12.5). */
  percent: number;
  citation: string;
}

/** The guideline value of a key (the default of docs/clinical-reference.md); null for a local setting. */
export function guidelineValue(key: ThresholdKey): ThresholdCatalogueEntry | null {
  const entry = THRESHOLD_CATALOGUE.find((e) => e.key === key);
  return entry && entry.origin === "guideline" && typeof entry.value === "number" ? entry : null;
}

/** Whether `value` is more than 10 % away from `guideline` (exactly 10 % is not). */
export function isFarFromGuideline(value: number, guideline: number): boolean {
  return Math.abs(value - guideline) > Math.abs(guideline) * (GUIDELINE_CONFIRM_FRACTION + ROUNDING);
}

/** Every guideline value of `values` more than 10 % away from the value its source gives. */
export function guidelineDeviations(values: ThresholdValues): GuidelineDeviation[] {
  const deviations: GuidelineDeviation[] = [];
  for (const entry of describeThresholds(values)) {
    const cited = guidelineValue(entry.key);
    if (!cited || typeof entry.value !== "number" || typeof cited.value !== "number") continue;
    if (!isFarFromGuideline(entry.value, cited.value)) continue;
    deviations.push({
      key: entry.key,
      label: thresholdLabel(entry),
      unit: entry.unit,
      value: entry.value,
      guideline: cited.value,
      percent: Math.round(((entry.value - cited.value) / cited.value) * 1000) / 10,
      citation: cited.source,
    });
  }
  return deviations;
}

/**
 * What an admin confirms: the far values as `key=value` pairs. A confirmation covers the values
 * it was given for; a value changed after confirming asks again.
 */
export function confirmationToken(deviations: readonly GuidelineDeviation[]): string {
  return deviations.map((d) => `${d.key}=${d.value}`).join(";");
}

/** The deviations a confirmation token does not cover (none: every far value was confirmed as it is). */
export function unconfirmedDeviations(deviations: readonly GuidelineDeviation[], token: string): GuidelineDeviation[] {
  const confirmed = new Set(token.split(";").filter((pair) => pair !== ""));
  return deviations.filter((d) => !confirmed.has(`${d.key}=${d.value}`));
}

/** "EWGSOP2 · Low strength: grip, women": the label with its section, unique across sections. */
export function thresholdLabel(entry: Pick<ThresholdCatalogueEntry, "group" | "label">): string {
  return `${thresholdSection(entry.group).shortName} · ${entry.label}`;
}

export interface ThresholdChange {
  key: ThresholdKey;
  from: number | boolean | string | null;
  to: number | boolean | string;
}

/** Every value that differs from `before` to `after` (all of them when there is no `before`), in catalogue order. */
export function thresholdChanges(before: ThresholdValues | null, after: ThresholdValues): ThresholdChange[] {
  const previous = new Map(before ? describeThresholds(before).map((entry) => [entry.key, entry.value]) : []);
  return describeThresholds(after)
    .map((entry) => ({ key: entry.key, from: previous.get(entry.key) ?? null, to: entry.value }))
    .filter((change) => change.from !== change.to);
}

export interface ThresholdComparisonRow {
  key: ThresholdKey;
  label: string;
  unit: string;
  /** Each value written with its unit. */
  left: string;
  right: string;
  differs: boolean;
}

/** Two versions side by side, section by section, every value with its unit. */
export function compareThresholdSets(left: ThresholdValues, right: ThresholdValues): { group: ThresholdCatalogueEntry["group"]; rows: ThresholdComparisonRow[] }[] {
  const rightValues = new Map(describeThresholds(right).map((entry) => [entry.key, entry.value]));
  const groups = new Map<ThresholdCatalogueEntry["group"], ThresholdComparisonRow[]>();
  for (const entry of describeThresholds(left)) {
    const other = rightValues.get(entry.key) ?? null;
    const rows = groups.get(entry.group) ?? [];
    rows.push({
      key: entry.key,
      label: entry.label,
      unit: entry.unit,
      left: formatThresholdValue(entry.value, entry.unit),
      right: formatThresholdValue(other, entry.unit),
      differs: other !== entry.value,
    });
    groups.set(entry.group, rows);
  }
  return THRESHOLD_SECTIONS.flatMap(({ group }) => {
    const rows = groups.get(group);
    return rows ? [{ group, rows }] : [];
  });
}
