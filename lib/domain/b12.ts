import { applyCriterion } from "./criteria";
import type { ObservationWindow } from "./observations";
import { betweenReason, formatNumber, plainReason, thresholdReason } from "./reasons";
import { thresholdRef, type ThresholdValues } from "./thresholds";
import { normaliseUnit, UNITS_BY_KIND } from "./units";
import type { B12Status, ObservationInput, Reason } from "./types";

export type B12Band = Exclude<B12Status, "not_tested">;
/** The two families of serum B12 units; pg/mL and ng/L are numerically equal. */
export type SerumB12Unit = "pmol/L" | "ng/L" | "pg/mL";

/**
 * Serum total B12 band (NICE NG239 as reported): deficiency likely < 180 ng/L (< 133 pmol/L),
 * indeterminate 180–350 ng/L (133–258 pmol/L), unlikely > 350 ng/L (> 258 pmol/L).
 *
 * The value is compared with the edge written in its OWN unit (docs/clinical-reference.md#b12-units):
 * the source's pmol/L and ng/L edges are rounded independently, so converting first would
 * misclassify 180 ng/L (= 132.8 pmol/L) as deficient.
 */
export function classifySerumB12(value: number, unit: SerumB12Unit, t: ThresholdValues): { band: B12Band; reasons: Reason[] } {
  const isMass = unit !== "pmol/L";
  const low = thresholdRef(t, isMass ? "b12.serumDeficientBelow.ngL" : "b12.serumDeficientBelow.pmolL");
  const high = thresholdRef(t, isMass ? "b12.serumAdequateAbove.ngL" : "b12.serumAdequateAbove.pmolL");
  const display = (ref: typeof low) => ({ ...ref, unit });
  const deficient = thresholdReason({
    code: "b12.serum_deficient",
    subject: "Serum B12",
    value,
    ref: display(low),
    whenMet: "deficiency likely",
    whenNotMet: "not in the deficient band",
    inputs: { unit },
  });
  if (deficient.met) return { band: "deficient", reasons: [deficient.reason] };
  const adequate = thresholdReason({
    code: "b12.serum_adequate",
    subject: "Serum B12",
    value,
    ref: display(high),
    whenMet: "deficiency unlikely",
    whenNotMet: "indeterminate",
    inputs: { unit },
  });
  if (adequate.met) return { band: "adequate", reasons: [adequate.reason] };
  return {
    band: "indeterminate",
    reasons: [
      betweenReason({
        code: "b12.serum_indeterminate",
        subject: "Serum B12",
        value,
        lower: display(low),
        upper: display(high),
        outcome: "indeterminate",
        inputs: { unit },
      }),
    ],
  };
}

/** Active B12 band (NICE NG239 as reported): < 25 pmol/L deficient, 25–70 indeterminate, > 70 adequate. */
export function classifyHolotc(pmolPerL: number, t: ThresholdValues): { band: B12Band; reasons: Reason[] } {
  const lower = thresholdRef(t, "b12.holotcDeficientBelowPmolL");
  const upper = thresholdRef(t, "b12.holotcAdequateAbovePmolL");
  const spec = { subject: "Active B12", value: pmolPerL };
  const deficient = thresholdReason({ ...spec, code: "b12.holotc_deficient", ref: lower, whenMet: "deficiency likely", whenNotMet: "not in the deficient band" });
  if (deficient.met) return { band: "deficient", reasons: [deficient.reason] };
  const adequate = thresholdReason({ ...spec, code: "b12.holotc_adequate", ref: upper, whenMet: "deficiency unlikely", whenNotMet: "indeterminate" });
  if (adequate.met) return { band: "adequate", reasons: [adequate.reason] };
  return {
    band: "indeterminate",
    reasons: [betweenReason({ ...spec, code: "b12.holotc_indeterminate", lower, upper, outcome: "indeterminate" })],
  };
}

/**
 * MMA band (docs/clinical-reference.md#mma-homocysteine-and-kidney-function): the clinic's MMA
 * policy, since NICE NG239 gives no MMA number — unconfirmed defaults > 0.45 µmol/L confirms
 * deficiency, ≤ 0.27 rules it out, between stays indeterminate. Compared in µmol/L; a result
 * reported in nmol/L was converted on entry (units.ts, 1 µmol/L = 1000 nmol/L) and `valueNote`
 * shows what was reported.
 */
export function classifyMma(umolPerL: number, t: ThresholdValues, valueNote?: string): { band: B12Band; reasons: Reason[] } {
  const upper = thresholdRef(t, "b12.mmaDeficientAboveUmolL");
  const lower = thresholdRef(t, "b12.mmaNormalAtMostUmolL");
  const spec = { subject: "MMA", value: umolPerL, ...(valueNote === undefined ? {} : { valueNote }) };
  const high = thresholdReason({ ...spec, code: "b12.mma_high", ref: upper, whenMet: "confirms deficiency", whenNotMet: "does not confirm deficiency" });
  if (high.met) return { band: "deficient", reasons: [high.reason] };
  const normal = thresholdReason({ ...spec, code: "b12.mma_normal", ref: lower, whenMet: "rules deficiency out", whenNotMet: "inconclusive" });
  if (normal.met) return { band: "adequate", reasons: [normal.reason] };
  return {
    band: "indeterminate",
    reasons: [betweenReason({ ...spec, code: "b12.mma_inconclusive", lower, upper, outcome: "inconclusive, stays indeterminate" })],
  };
}

/**
 * The value and unit to compare a serum B12 in: the lab's reported value and unit when they are
 * present and parse, else the canonical pmol/L value.
 */
export function serumB12AsReported(observation: ObservationInput): { value: number; unit: SerumB12Unit } | null {
  if (observation.reportedUnit !== undefined && observation.reportedValue !== undefined) {
    const unit = normaliseUnit("b12_total", observation.reportedUnit);
    const value = Number(observation.reportedValue.trim());
    if (unit !== null && observation.reportedValue.trim() !== "" && Number.isFinite(value)) {
      return { value, unit: unit as SerumB12Unit };
    }
  }
  return observation.value === null ? null : { value: observation.value, unit: "pmol/L" };
}

export interface B12Assessment {
  status: B12Status;
  renalCaveat: boolean;
  reasons: Reason[];
  /** The serum or active B12 result the status starts from (null when not tested). */
  primary: ObservationInput | null;
  /** An MMA or active B12 result at the same time as or after an indeterminate primary. */
  hasConfirmatoryTest: boolean;
  /** Date of the latest result that decided the status. */
  decidedAt: Date | null;
}

/**
 * B12 status by lab values alone (docs/clinical-reference.md#how-the-status-is-decided): the serum
 * band first; an indeterminate serum result becomes deficient or adequate only through an MMA
 * (preferred, BSH second line) or active B12 result from the same episode or later; MMA never
 * overturns a clearly low or clearly normal serum value. Without serum B12, active B12 gives its own band (which an
 * MMA may resolve the same way). Homocysteine > 15 µmol/L is shown as supporting evidence only
 * (unconfirmed, non-specific). `renalCaveat`: an MMA is on file and eGFR < 60, so MMA may read high.
 */
export function assessB12(window: ObservationWindow, t: ThresholdValues, options: { usesNitrousOxide: boolean }): B12Assessment {
  const reasons: Reason[] = [];
  const serum = window.latest("b12_total");
  const holotc = window.latest("holotc");
  const mmaLatest = window.latest("mma");
  const renalCaveat = mmaLatest !== null && hasRenalImpairment(window, t, reasons);

  let primary: ObservationInput | null = null;
  let band: B12Band | null = null;
  if (serum !== null) {
    const reported = serumB12AsReported(serum);
    if (reported !== null) {
      const serumResult = classifySerumB12(reported.value, reported.unit, t);
      primary = serum;
      band = serumResult.band;
      reasons.push(...withDate(serumResult.reasons, serum));
    }
  }
  if (primary === null && holotc?.value != null) {
    const holoResult = classifyHolotc(holotc.value, t);
    primary = holotc;
    band = holoResult.band;
    reasons.push(...withDate(holoResult.reasons, holotc));
  }
  if (primary === null || band === null) {
    reasons.push(plainReason("b12.not_tested", `No serum or active B12 result in the last ${t.screening.lookBackMonths} months → not tested`));
    addSupportingEvidence(window, t, reasons, options);
    return { status: "not_tested", renalCaveat, reasons, primary: null, hasConfirmatoryTest: false, decidedAt: null };
  }

  let status: B12Status = band;
  let decidedAt = primary.observedAt;
  const mma = window.latestAtOrAfter("mma", primary.observedAt);
  const holotcAfter = primary.kind === "b12_total" ? window.latestAtOrAfter("holotc", primary.observedAt) : null;
  const hasConfirmatoryTest = mma !== null || holotcAfter !== null;

  if (band === "indeterminate") {
    const mmaBand = mma?.value != null ? classifyMma(mma.value, t, reportedNote(mma)) : null;
    const holoBand = holotcAfter?.value != null ? classifyHolotc(holotcAfter.value, t) : null;
    if (mmaBand && mma) reasons.push(...withDate(mmaBand.reasons, mma));
    if (holoBand && holotcAfter) reasons.push(...withDate(holoBand.reasons, holotcAfter));
    if (mmaBand && mmaBand.band !== "indeterminate" && mma) {
      status = mmaBand.band;
      decidedAt = mma.observedAt;
      reasons.push(plainReason("b12.resolved_by_mma", `Indeterminate B12 resolved by MMA → ${status}`));
    } else if (holoBand && holoBand.band !== "indeterminate" && holotcAfter) {
      status = holoBand.band;
      decidedAt = holotcAfter.observedAt;
      reasons.push(plainReason("b12.resolved_by_holotc", `Indeterminate serum B12 resolved by active B12 → ${status}`));
    } else if (!hasConfirmatoryTest) {
      reasons.push(plainReason("b12.unresolved", "Indeterminate and no MMA or active B12 since → confirmation needed"));
    }
  } else if (mma?.value != null) {
    reasons.push(
      plainReason(
        "b12.mma_not_overturning",
        `MMA ${formatNumber(mma.value)} µmol/L noted; MMA never overturns a clearly ${band === "deficient" ? "low" : "normal"} B12 result`,
        { mma: mma.value },
      ),
    );
  }
  addSupportingEvidence(window, t, reasons, options);
  return { status, renalCaveat, reasons, primary, hasConfirmatoryTest, decidedAt };
}

/** "reported 451 nmol/L" when a result was reported in another unit than the one it is compared in. */
function reportedNote(observation: ObservationInput): string | undefined {
  const { reportedValue, reportedUnit } = observation;
  if (reportedValue === undefined || reportedUnit === undefined) return undefined;
  return normaliseUnit(observation.kind, reportedUnit) === UNITS_BY_KIND[observation.kind][0] ? undefined : `reported ${reportedValue} ${reportedUnit}`;
}

function withDate(reasons: Reason[], observation: ObservationInput): Reason[] {
  return reasons.map((r) => ({ ...r, inputs: { ...r.inputs, observedAt: observation.observedAt.toISOString() } }));
}

function hasRenalImpairment(window: ObservationWindow, t: ThresholdValues, reasons: Reason[]): boolean {
  const egfr = applyCriterion(window.latest("egfr"), {
    code: "b12.renal_caveat",
    subject: "eGFR",
    ref: thresholdRef(t, "b12.renalCaveatEgfrBelow"),
    whenMet: "MMA may be raised by reduced kidney function; interpret with caution",
    whenNotMet: "no renal caveat for MMA",
  });
  if (egfr === null) return false;
  if (egfr.isLow) reasons.push(egfr.reason);
  return egfr.isLow;
}

function addSupportingEvidence(
  window: ObservationWindow,
  t: ThresholdValues,
  reasons: Reason[],
  options: { usesNitrousOxide: boolean },
): void {
  const homocysteine = applyCriterion(window.latest("homocysteine"), {
    code: "b12.homocysteine",
    subject: "Homocysteine",
    ref: thresholdRef(t, "b12.homocysteineHighAboveUmolL"),
    whenMet: "supports deficiency (less specific: folate, B6, kidney, thyroid)",
    whenNotMet: "not raised",
  });
  if (homocysteine) reasons.push(homocysteine.reason);
  if (options.usesNitrousOxide) {
    reasons.push(
      plainReason(
        "b12.nitrous_oxide",
        "Current nitrous oxide: serum B12 can look normal — judge by homocysteine or MMA (NICE NG239)",
      ),
    );
  }
}
