import { assessCaseFinding } from "./case-finding";
import { applyCriterion, combineCriteria, type CriterionResult, type DomainResult } from "./criteria";
import { addDaysUtc, ageInYears, anniversaryUtc, toIsoDate } from "./dates";
import { bmiNear, findMuscleMass, type MuscleMass } from "./muscle-mass";
import type { ObservationWindow } from "./observations";
import { latestDate } from "./observations";
import { compare, fallBetween, formatNumber, plainReason, thresholdReason, withoutFloatNoise } from "./reasons";
import { thresholdRef, type AgeBanded, type ThresholdKey, type ThresholdRef, type ThresholdValues } from "./thresholds";
import type { Awgs2025Category, CategoryResult, Evaluation, ObservationInput, Reason, Sex, YubiWakkaInput, YubiWakkaResult } from "./types";

/** AWGS 2025 applies from this age (Chen et al., Nature Aging 2025, Table 2): younger is "not applicable". */
export const AWGS2025_MIN_AGE_YEARS = 50;
/** The older band (and case finding) starts at this age on the day of the measurement. */
export const AWGS2025_OLDER_BAND_AGE_YEARS = 65;

export type AgeBand = keyof AgeBanded<unknown>;
const BAND_LABEL: Record<AgeBand, string> = { age50to64: "50–64", age65plus: "65 and over" };

/** The Yubi-wakka results in words (reasons, the assessment form). */
export const YUBI_WAKKA_WORDS: Record<YubiWakkaResult, string> = {
  bigger: "bigger (the calf is larger than the finger ring)",
  just_fits: "just fits",
  smaller: "smaller (a gap between the calf and the fingers)",
};

export interface Awgs2025Assessment {
  result: CategoryResult<Awgs2025Category> & { outcomes: Reason[] };
  lowStrength: boolean | null;
  lowMass: boolean | null;
  atRisk: boolean;
  /** Date of the latest result that decided the category; anchors flag due dates. */
  decidedAt: Date | null;
}

export interface Awgs2025Input {
  sex: Sex;
  birthDate: Date;
  /** Completed years on the evaluation date (at death for a patient who has died). */
  ageYears: number;
  window: ObservationWindow;
  yubiWakka: readonly YubiWakkaInput[];
  /** Case finding over the whole window (case-finding.ts), when the caller has it already. */
  caseFinding?: Evaluation["caseFinding"];
}

/** The band of the age on the day of a measurement, or null before AWGS 2025 applies (under 50). */
export function ageBandOn(birthDate: Date, date: Date): { age: number; band: AgeBand | null } {
  const age = ageInYears(birthDate, date);
  const band = age >= AWGS2025_OLDER_BAND_AGE_YEARS ? "age65plus" : age >= AWGS2025_MIN_AGE_YEARS ? "age50to64" : null;
  return { age, band };
}

/**
 * A threshold of the band, cited with the age that chose it: "(AWGS 2025, age 64 on 2026-10-01:
 * band 50–64)", so a reason shows the value, its date, the band's cut-off and the source.
 */
function bandRef(t: ThresholdValues, key: ThresholdKey, age: number, band: AgeBand, date: Date): ThresholdRef {
  const ref = thresholdRef(t, key);
  return { ...ref, shortSource: `${ref.shortSource}, age ${age} on ${toIsoDate(date)}: band ${BAND_LABEL[band]}` };
}

function withBand(result: CriterionResult | null, age: number, band: AgeBand): CriterionResult | null {
  if (result === null) return null;
  return { ...result, reason: { ...result.reason, inputs: { ...result.reason.inputs, ageAtMeasurement: age, band } } };
}

function tooYoung(code: string, what: string, observation: { observedAt: Date }, age: number): Reason {
  return plainReason(
    code,
    `${what} on ${toIsoDate(observation.observedAt)} taken at age ${age}, before AWGS 2025 applies (age ≥ ${AWGS2025_MIN_AGE_YEARS}) → not used`,
    { observedAt: observation.observedAt.toISOString(), ageAtMeasurement: age },
  );
}

const NOT_MEASURED: DomainResult = { isLow: null, reasons: [], decidedAt: null };

/** Low strength (AWGS 2025): grip, the only strength test, < 34.0/20.0 kg at 50–64 and < 28.0/18.0 kg at ≥ 65 (men/women). */
export function awgs2025Strength(sex: "male" | "female", input: Awgs2025Input, t: ThresholdValues): DomainResult {
  const grip = input.window.latest("grip_strength");
  if (grip === null) return NOT_MEASURED;
  const { age, band } = ageBandOn(input.birthDate, grip.observedAt);
  if (band === null) return { isLow: null, reasons: [tooYoung("awgs2025.grip_under_50", "Grip", grip, age)], decidedAt: null };
  const result = applyCriterion(grip, {
    code: "awgs2025.grip",
    subject: "Grip",
    ref: bandRef(t, `awgs2025.gripKg.${band}.${sex}`, age, band, grip.observedAt),
    whenMet: "low strength",
    whenNotMet: "normal strength",
  });
  return combineCriteria([withBand(result, age, band)]);
}

interface IndexSpec {
  code: string;
  name: string;
  unit: string;
  dxa: ThresholdRef;
  bia: ThresholdRef;
}

/**
 * One mass index by the method recorded with the scan. With the method unrecorded, a value low by
 * both the DXA and the BIA cut-off is low and one normal by both is normal; in between it is not
 * classified (never guessed), as for AWGS 2019.
 */
function classifyIndex(mass: MuscleMass, value: number, spec: IndexSpec, age: number, band: AgeBand): CriterionResult | Reason {
  const criterion = (ref: ThresholdRef, method: string) =>
    withBand(
      applyCriterion(mass.asm, { code: spec.code, subject: `${spec.name} (${method})`, ref, whenMet: "low muscle mass", whenNotMet: "muscle mass not low" }, value),
      age,
      band,
    )!;
  if (mass.method === "dxa") return criterion(spec.dxa, "DXA");
  if (mass.method === "bia") return criterion(spec.bia, "BIA");
  const lowByDxa = compare(value, spec.dxa.comparison, spec.dxa.value);
  const lowByBia = compare(value, spec.bia.comparison, spec.bia.value);
  // Both cut-offs agree, so the missing method does not matter; explain against the DXA one.
  if (lowByDxa === lowByBia) return criterion(spec.dxa, "method not recorded");
  return plainReason(
    `${spec.code}_method_unknown`,
    `${spec.name} ${formatNumber(value)}${spec.unit === "" ? "" : ` ${spec.unit}`} lies between the DXA (${formatNumber(spec.dxa.value)}) and BIA (${formatNumber(spec.bia.value)}) cut-offs for age ${BAND_LABEL[band]} and the method is not recorded → not classified`,
    { value, observedAt: mass.asm.observedAt.toISOString(), ageAtMeasurement: age, band },
  );
}

/**
 * Low muscle mass (AWGS 2025): ASM/height² or ASM/BMI below the cut-off of the scan's method and
 * of the age band on the scan's day; either index low suffices. Height (and weight, for BMI) are
 * those at or before the scan, else the latest in the window (muscle-mass.ts). The indices are
 * compared without floating-point noise (`withoutFloatNoise`).
 */
export function awgs2025Mass(sex: "male" | "female", input: Awgs2025Input, t: ThresholdValues): DomainResult {
  const mass = findMuscleMass(input.window);
  if (mass === null) return NOT_MEASURED;
  const { age, band } = ageBandOn(input.birthDate, mass.asm.observedAt);
  if (band === null) return { isLow: null, reasons: [tooYoung("awgs2025.asm_under_50", "ASM", mass.asm, age)], decidedAt: null };
  const at = mass.asm.observedAt;
  const results: CriterionResult[] = [];
  const unclassified: Reason[] = [];
  const add = (outcome: CriterionResult | Reason) => {
    if ("isLow" in outcome) results.push(outcome);
    else unclassified.push(outcome);
  };
  if (mass.asmiKgM2 === null) {
    unclassified.push(plainReason("awgs2025.asmi_no_height", "ASM recorded but no height to compute ASM/height²"));
  } else {
    add(
      classifyIndex(mass, withoutFloatNoise(mass.asmiKgM2), {
        code: "awgs2025.asmi",
        name: "ASM/height²",
        unit: "kg/m²",
        dxa: bandRef(t, `awgs2025.asmiDxaKgM2.${band}.${sex}`, age, band, at),
        bia: bandRef(t, `awgs2025.asmiBiaKgM2.${band}.${sex}`, age, band, at),
      }, age, band),
    );
  }
  const bmi = bmiNear(input.window, mass);
  if (bmi === null || bmi <= 0) {
    unclassified.push(plainReason("awgs2025.asm_bmi_no_bmi", "No weight and height at or before the scan to compute ASM/BMI"));
  } else {
    add(
      classifyIndex(mass, withoutFloatNoise(mass.asmKg / bmi), {
        code: "awgs2025.asm_bmi",
        name: `ASM/BMI (BMI ${formatNumber(bmi)} kg/m²)`,
        unit: "m²",
        dxa: bandRef(t, `awgs2025.asmBmiDxa.${band}.${sex}`, age, band, at),
        bia: bandRef(t, `awgs2025.asmBmiBia.${band}.${sex}`, age, band, at),
      }, age, band),
    );
  }
  const combined = combineCriteria(results);
  return { ...combined, reasons: [...combined.reasons, ...unclassified] };
}

/**
 * Outcomes (AWGS 2025: shown beside the category, never diagnostic): five chair rises ≥ 10.0 s at
 * 50–64 and ≥ 12.0 s at ≥ 65 (or unable), gait speed < 1.2 m/s at 50–64 and < 1.0 m/s at ≥ 65.
 */
export function awgs2025Outcomes(input: Awgs2025Input, t: ThresholdValues): Reason[] {
  const reasons: Reason[] = [];
  const outcome = (observation: ObservationInput | null, kind: "chairStandS" | "gaitSpeedMS", spec: { code: string; subject: string; unableText?: string }) => {
    if (observation === null) return;
    const { age, band } = ageBandOn(input.birthDate, observation.observedAt);
    if (band === null) {
      reasons.push(tooYoung(`${spec.code}_under_50`, spec.subject, observation, age));
      return;
    }
    const result = withBand(
      applyCriterion(observation, {
        ...spec,
        ref: bandRef(t, `awgs2025.${kind}.${band}`, age, band, observation.observedAt),
        whenMet: "poor outcome (not diagnostic)",
        whenNotMet: "outcome not poor (not diagnostic)",
      }),
      age,
      band,
    );
    if (result) reasons.push(result.reason);
  };
  outcome(input.window.latest("chair_stand_5x"), "chairStandS", {
    code: "awgs2025.outcome.chair_stand",
    subject: "Chair stand (5 rises)",
    unableText: "Unable to complete 5 chair rises",
  });
  outcome(input.window.latest("gait_speed"), "gaitSpeedMS", { code: "awgs2025.outcome.gait_speed", subject: "Gait speed" });
  return reasons;
}

interface RiskResult {
  atRisk: boolean;
  reasons: Reason[];
  decidedAt: Date | null;
}

/** Is a Yubi-wakka result abnormal? "smaller" always; "just fits" only by the clinic's setting (unconfirmed). */
export function isYubiWakkaAbnormal(result: YubiWakkaResult, t: ThresholdValues): boolean {
  return result === "smaller" || (result === "just_fits" && t.awgs2025.yubiWakkaJustFitsAbnormal);
}

/** The latest Yubi-wakka result in the look-back window (not after `now`); of two on one instant, the one listed last. */
function latestYubiWakka(records: readonly YubiWakkaInput[], window: ObservationWindow): YubiWakkaInput | null {
  let latest: YubiWakkaInput | null = null;
  for (const record of records) {
    const time = record.observedAt.getTime();
    if (Number.isNaN(time) || time > window.now.getTime() || time < window.windowStart.getTime()) continue;
    if (latest === null || time >= latest.observedAt.getTime()) latest = record;
  }
  return latest;
}

/**
 * Positive case finding at age ≥ 65 (AWGS 2025): calf circumference, SARC-F or SARC-CalF as in
 * case-finding.ts, or an abnormal Yubi-wakka — each from results taken at 65 or over only.
 */
function caseFindingAt65(sex: "male" | "female", input: Awgs2025Input, t: ThresholdValues): RiskResult {
  const from = anniversaryUtc(input.birthDate, AWGS2025_OLDER_BAND_AGE_YEARS);
  const reasons: Reason[] = [];
  let decidedAt: Date | null = null;
  const all = input.caseFinding ?? assessCaseFinding(sex, input.window, t);
  // Only results taken at 65 or over count: all of the window's when the 65th birthday is at or
  // before its start (the usual case), none before the birthday, else those since it.
  const older =
    from.getTime() <= input.window.windowStart.getTime()
      ? all
      : from.getTime() > input.window.now.getTime()
        ? null
        : assessCaseFinding(sex, input.window.since(from), t);
  if (older?.positive === true) {
    const positiveReasons = older.reasons.filter((r) => r.code.endsWith(".met"));
    reasons.push(...positiveReasons);
    decidedAt = latestDate(positiveReasons.map((r) => (typeof r.inputs.observedAt === "string" ? new Date(r.inputs.observedAt) : null)));
  } else if (all.positive) {
    reasons.push(
      plainReason(
        "awgs2025.case_finding_under_65",
        `Case finding positive only in results taken before age ${AWGS2025_OLDER_BAND_AGE_YEARS}; AWGS 2025 applies its case-finding cut-offs at ${AWGS2025_OLDER_BAND_AGE_YEARS} and over → not used`,
      ),
    );
  }

  const ring = latestYubiWakka(input.yubiWakka, input.window);
  let ringAbnormal = false;
  if (ring !== null) {
    const age = ageInYears(input.birthDate, ring.observedAt);
    const inputs = { result: ring.result, observedAt: ring.observedAt.toISOString(), ageAtMeasurement: age };
    const when = `Yubi-wakka on ${toIsoDate(ring.observedAt)}: ${YUBI_WAKKA_WORDS[ring.result]}`;
    if (age < AWGS2025_OLDER_BAND_AGE_YEARS) {
      reasons.push(plainReason("awgs2025.yubi_wakka_under_65", `${when}, at age ${age}: AWGS 2025 case finding applies at ${AWGS2025_OLDER_BAND_AGE_YEARS} and over → not used`, inputs));
    } else {
      ringAbnormal = isYubiWakkaAbnormal(ring.result, t);
      const counted = t.awgs2025.yubiWakkaJustFitsAbnormal ? "'smaller' or 'just fits'" : "'smaller'";
      reasons.push(
        plainReason(
          ringAbnormal ? "awgs2025.yubi_wakka.met" : "awgs2025.yubi_wakka.not_met",
          `${when} (abnormal: ${counted}; Yubi-wakka, unconfirmed) → ${ringAbnormal ? "case finding positive" : "not abnormal"}`,
          inputs,
        ),
      );
      if (ringAbnormal) decidedAt = latestDate([decidedAt, ring.observedAt]);
    }
  }
  return { atRisk: older?.positive === true || ringAbnormal, reasons, decidedAt };
}

/**
 * AWGS 2025 risk conditions at any age ≥ 50: BMI < 20 kg/m² from the latest weight (and the height
 * at or before it, else the latest), or weight loss ≥ 2 kg within 6 months — the latest weight at
 * least 2.0 kg below the heaviest weight recorded in the 183 days before it.
 */
function riskConditions(input: Awgs2025Input, t: ThresholdValues): RiskResult {
  const weight = input.window.latest("weight");
  if (weight?.value == null) return { atRisk: false, reasons: [], decidedAt: null };
  const { age, band } = ageBandOn(input.birthDate, weight.observedAt);
  if (band === null) return { atRisk: false, reasons: [tooYoung("awgs2025.weight_under_50", "Weight", weight, age)], decidedAt: null };
  const reasons: Reason[] = [];
  let atRisk = false;
  const date = toIsoDate(weight.observedAt);
  const inputs = { observedAt: weight.observedAt.toISOString(), ageAtMeasurement: age };

  const height = input.window.latestAtOrBefore("height", weight.observedAt) ?? input.window.latest("height");
  if (height?.value != null && height.value > 0) {
    const metres = height.value / 100;
    const bmi = thresholdReason({
      code: "awgs2025.risk_bmi",
      subject: `BMI on ${date} (weight ${formatNumber(weight.value)} kg, height ${formatNumber(height.value)} cm)`,
      value: withoutFloatNoise(weight.value / (metres * metres)),
      ref: thresholdRef(t, "awgs2025.riskBmiBelowKgM2"),
      whenMet: "risk condition: at risk for sarcopenia",
      whenNotMet: "BMI not a risk condition",
      inputs,
    });
    atRisk ||= bmi.met;
    reasons.push(bmi.reason);
  }

  const from = addDaysUtc(weight.observedAt, -t.awgs2025.riskWeightLossWindowDays);
  const earlier = input.window
    .allEver("weight")
    .filter((o) => o.value !== null && o.observedAt.getTime() >= from.getTime() && o.observedAt.getTime() < weight.observedAt.getTime());
  const heaviest = earlier.reduce<ObservationInput | null>((best, o) => (best === null || o.value! > best.value! ? o : best), null);
  if (heaviest?.value != null) {
    const loss = thresholdReason({
      code: "awgs2025.risk_weight_loss",
      subject: `Weight loss from ${formatNumber(heaviest.value)} kg on ${toIsoDate(heaviest.observedAt)} to ${formatNumber(weight.value)} kg on ${date} (within ${t.awgs2025.riskWeightLossWindowDays} days)`,
      value: fallBetween(heaviest.value, weight.value),
      ref: thresholdRef(t, "awgs2025.riskWeightLossKg"),
      whenMet: "risk condition: at risk for sarcopenia",
      whenNotMet: "weight loss not a risk condition",
      inputs: { ...inputs, earlierObservedAt: heaviest.observedAt.toISOString(), earlierKg: heaviest.value, laterKg: weight.value },
    });
    atRisk ||= loss.met;
    reasons.push(loss.reason);
  }
  return { atRisk, reasons, decidedAt: atRisk ? weight.observedAt : null };
}

function outcome(
  category: Awgs2025Category,
  reasons: Reason[],
  outcomes: Reason[],
  rest: Omit<Awgs2025Assessment, "result">,
): Awgs2025Assessment {
  return { result: { category, reasons, outcomes }, ...rest };
}

/**
 * AWGS 2025 category (Chen et al., Nature Aging 2025; docs/clinical-reference.md#awgs-2025):
 * - under 50 on the evaluation date → not_applicable; sex unknown → insufficient_data;
 * - low grip and low muscle mass (ASM/height² or ASM/BMI) → sarcopenia (there is no "severe");
 * - low grip, mass not measured → possible; mass measured and normal → possible while the
 *   `possibleWhenMassNormal` setting is on (default), else judged as below;
 * - otherwise at risk for a positive case finding at ≥ 65 or a risk condition at ≥ 50 → at_risk;
 * - otherwise grip measured → none; no grip → insufficient_data.
 * Every cut-off is chosen by the age on the day of its measurement (50–64 or 65 and over); chair
 * stand and gait speed are reported in `outcomes`, never used for the category.
 */
export function assessAwgs2025(input: Awgs2025Input, t: ThresholdValues): Awgs2025Assessment {
  const nothing = { lowStrength: null, lowMass: null, atRisk: false, decidedAt: null };
  if (input.ageYears < AWGS2025_MIN_AGE_YEARS) {
    return outcome(
      "not_applicable",
      [plainReason("awgs2025.under_50", `Age ${input.ageYears} is under ${AWGS2025_MIN_AGE_YEARS}: AWGS 2025 applies from ${AWGS2025_MIN_AGE_YEARS} → not applicable`, { ageYears: input.ageYears })],
      [],
      nothing,
    );
  }
  const outcomes = awgs2025Outcomes(input, t);
  if (input.sex === "unknown") {
    return outcome(
      "insufficient_data",
      [plainReason("awgs2025.sex_unknown", "Sex not recorded: AWGS 2025 cut-offs are sex-specific → insufficient data")],
      outcomes,
      nothing,
    );
  }
  const sex = input.sex;
  const strength = awgs2025Strength(sex, input, t);
  const reasons: Reason[] = [...strength.reasons];
  let lowMass: boolean | null = null;
  if (strength.isLow === true) {
    const mass = awgs2025Mass(sex, input, t);
    reasons.push(...mass.reasons);
    lowMass = mass.isLow;
    const base = { lowStrength: true, lowMass, atRisk: false };
    if (mass.isLow === true) {
      return outcome(
        "sarcopenia",
        [...reasons, plainReason("awgs2025.sarcopenia", "Low grip strength and low muscle mass → sarcopenia (AWGS 2025)")],
        outcomes,
        { ...base, decidedAt: latestDate([strength.decidedAt, mass.decidedAt]) },
      );
    }
    if (mass.isLow === null) {
      return outcome(
        "possible",
        [...reasons, plainReason("awgs2025.possible", "Low grip strength, muscle mass not measured → possible sarcopenia: confirm muscle mass by DXA or BIA (AWGS 2025)")],
        outcomes,
        { ...base, decidedAt: strength.decidedAt },
      );
    }
    if (t.awgs2025.possibleWhenMassNormal) {
      return outcome(
        "possible",
        [...reasons, plainReason("awgs2025.possible_mass_normal", "Low grip strength with muscle mass measured and not low → possible sarcopenia (clinic setting)")],
        outcomes,
        { ...base, decidedAt: latestDate([strength.decidedAt, mass.decidedAt]) },
      );
    }
    reasons.push(plainReason("awgs2025.mass_normal_not_possible", "Low grip strength but muscle mass measured and not low → not sarcopenia (clinic setting: 'possible' only when mass is unmeasured)"));
  }

  const caseFinding = caseFindingAt65(sex, input, t);
  const conditions = riskConditions(input, t);
  reasons.push(...caseFinding.reasons, ...conditions.reasons);
  const measured = { lowStrength: strength.isLow, lowMass };
  if (caseFinding.atRisk || conditions.atRisk) {
    return outcome(
      "at_risk",
      [...reasons, plainReason("awgs2025.at_risk", `${strength.isLow === null ? "Grip not measured" : "Sarcopenia not established"}, with a positive case finding (age ≥ ${AWGS2025_OLDER_BAND_AGE_YEARS}) or a risk condition (age ≥ ${AWGS2025_MIN_AGE_YEARS}) → at risk for sarcopenia`)],
      outcomes,
      { ...measured, atRisk: true, decidedAt: latestDate([caseFinding.decidedAt, conditions.decidedAt]) },
    );
  }
  if (strength.isLow !== null) {
    return outcome(
      "none",
      [...reasons, plainReason("awgs2025.none", strength.isLow ? "No sarcopenia and not at risk (AWGS 2025)" : "Grip strength not low and not at risk → no sarcopenia (AWGS 2025)")],
      outcomes,
      { ...measured, atRisk: false, decidedAt: strength.decidedAt },
    );
  }
  return outcome(
    "insufficient_data",
    [...reasons, plainReason("awgs2025.no_grip", `No grip strength result in the last ${t.screening.lookBackMonths} months and not at risk → insufficient data (AWGS 2025 starts with grip)`)],
    outcomes,
    { ...measured, atRisk: false, decidedAt: null },
  );
}
