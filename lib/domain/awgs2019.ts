import { applyCriterion, combineCriteria, type DomainResult } from "./criteria";
import { findMuscleMass } from "./muscle-mass";
import type { ObservationWindow } from "./observations";
import { latestDate } from "./observations";
import { compare, formatNumber, plainReason } from "./reasons";
import { sexKey, thresholdRef, type ThresholdValues } from "./thresholds";
import type { Awgs2019Category, CategoryResult, Reason, Sex } from "./types";

export interface Awgs2019Assessment {
  result: CategoryResult<Awgs2019Category>;
  lowStrength: boolean | null;
  lowPerformance: boolean | null;
  lowMass: boolean | null;
  decidedAt: Date | null;
}

/** Low strength (AWGS 2019): grip < 28 kg men / < 18 kg women. */
export function awgsStrength(sex: "male" | "female", window: ObservationWindow, t: ThresholdValues): DomainResult {
  return combineCriteria([
    applyCriterion(window.latest("grip_strength"), {
      code: "awgs2019.grip",
      subject: "Grip",
      ref: thresholdRef(t, sexKey(sex, "awgs2019.gripKg.male", "awgs2019.gripKg.female")),
      whenMet: "low strength",
      whenNotMet: "normal strength",
    }),
  ]);
}

/**
 * Low physical performance (AWGS 2019): gait speed < 1.0 m/s, 5 chair rises ≥ 12 s (or unable),
 * or SPPB ≤ 9. Any one low suffices.
 */
export function awgsPerformance(window: ObservationWindow, t: ThresholdValues): DomainResult {
  return combineCriteria([
    applyCriterion(window.latest("gait_speed"), {
      code: "awgs2019.gait_speed",
      subject: "Gait speed",
      ref: thresholdRef(t, "awgs2019.gaitSpeedMS"),
      whenMet: "low performance",
      whenNotMet: "performance not low",
    }),
    applyCriterion(window.latest("chair_stand_5x"), {
      code: "awgs2019.chair_stand",
      subject: "Chair stand (5 rises)",
      ref: thresholdRef(t, "awgs2019.chairStandS"),
      whenMet: "low performance",
      whenNotMet: "performance not low",
      unableText: "Unable to complete 5 chair rises",
    }),
    applyCriterion(window.latest("sppb"), {
      code: "awgs2019.sppb",
      subject: "SPPB",
      ref: thresholdRef(t, "awgs2019.sppbPoints"),
      whenMet: "low performance",
      whenNotMet: "performance not low",
    }),
  ]);
}

/**
 * Low muscle mass (AWGS 2019): ASM/height² < 7.0 kg/m² men (DXA or BIA), < 5.4 kg/m² women by
 * DXA, < 5.7 kg/m² women by BIA. When the method is not recorded, a value low by both cut-offs
 * is low and a value normal by both is normal; in between cannot be classified and counts as
 * not measured (never guessed).
 */
export function awgsMass(sex: "male" | "female", window: ObservationWindow, t: ThresholdValues): DomainResult {
  const mass = findMuscleMass(window);
  if (mass === null) return { isLow: null, reasons: [], decidedAt: null };
  if (mass.asmiKgM2 === null) {
    return {
      isLow: null,
      reasons: [plainReason("awgs2019.asmi_no_height", "ASM recorded but no height to compute ASM/height² → AWGS muscle mass not assessed")],
      decidedAt: null,
    };
  }
  const dxa = thresholdRef(t, sexKey(sex, "awgs2019.asmiDxaKgM2.male", "awgs2019.asmiDxaKgM2.female"));
  const bia = thresholdRef(t, sexKey(sex, "awgs2019.asmiBiaKgM2.male", "awgs2019.asmiBiaKgM2.female"));
  const spec = { code: "awgs2019.asmi", subject: "ASM/height²", whenMet: "low muscle mass", whenNotMet: "muscle mass not low" };
  if (mass.method === "dxa" || mass.method === "bia") {
    const ref = mass.method === "dxa" ? dxa : bia;
    const result = applyCriterion(mass.asm, { ...spec, subject: `ASM/height² (${mass.method.toUpperCase()})`, ref }, mass.asmiKgM2);
    return combineCriteria([result]);
  }
  const lowByBoth = compare(mass.asmiKgM2, dxa.comparison, dxa.value) && compare(mass.asmiKgM2, bia.comparison, bia.value);
  const lowByNeither = !compare(mass.asmiKgM2, dxa.comparison, dxa.value) && !compare(mass.asmiKgM2, bia.comparison, bia.value);
  if (lowByBoth || lowByNeither) {
    // Both cut-offs agree, so the missing method does not matter; explain against the DXA one.
    return combineCriteria([applyCriterion(mass.asm, { ...spec, subject: "ASM/height² (method not recorded)", ref: dxa }, mass.asmiKgM2)]);
  }
  return {
    isLow: null,
    reasons: [
      plainReason(
        "awgs2019.asmi_method_unknown",
        `ASM/height² ${formatNumber(mass.asmiKgM2)} kg/m² lies between the DXA (${formatNumber(dxa.value)}) and BIA (${formatNumber(bia.value)}) cut-offs and the method is not recorded → AWGS muscle mass not assessed`,
        { asmiKgM2: mass.asmiKgM2 },
      ),
    ],
    decidedAt: null,
  };
}

/**
 * AWGS 2019 category (Chen et al., JAMDA 2020;21:300-307): low strength or low performance
 * without low mass → possible (mass unmeasured, or measured and normal when the
 * `possibleWhenMassNormal` setting is on); low mass + low strength or performance → sarcopenia;
 * low mass + low strength + low performance → severe. Neither strength nor performance measured,
 * or unknown sex → insufficient_data.
 */
export function assessAwgs2019(sex: Sex, window: ObservationWindow, t: ThresholdValues): Awgs2019Assessment {
  const empty = { lowStrength: null, lowPerformance: null, lowMass: null, decidedAt: null };
  if (sex === "unknown") {
    return {
      result: {
        category: "insufficient_data",
        reasons: [plainReason("awgs2019.sex_unknown", "Sex not recorded: AWGS 2019 cut-offs are sex-specific → insufficient data")],
      },
      ...empty,
    };
  }
  const strength = awgsStrength(sex, window, t);
  const performance = awgsPerformance(window, t);
  if (strength.isLow === null && performance.isLow === null) {
    return {
      result: {
        category: "insufficient_data",
        reasons: [
          plainReason(
            "awgs2019.no_strength_or_performance",
            `No grip strength or physical performance result in the last ${t.screening.lookBackMonths} months → insufficient data`,
          ),
        ],
      },
      ...empty,
    };
  }
  const measured: Reason[] = [...strength.reasons, ...performance.reasons];
  const base = { lowStrength: strength.isLow, lowPerformance: performance.isLow };
  if (strength.isLow !== true && performance.isLow !== true) {
    return {
      result: {
        category: "none",
        reasons: [...measured, plainReason("awgs2019.none", "Neither strength nor performance low → no sarcopenia by AWGS 2019")],
      },
      ...base,
      lowMass: null,
      decidedAt: latestDate([strength.decidedAt, performance.decidedAt]),
    };
  }
  const functionDecidedAt = latestDate([
    strength.isLow === true ? strength.decidedAt : null,
    performance.isLow === true ? performance.decidedAt : null,
  ]);
  const mass = awgsMass(sex, window, t);
  const reasons = [...measured, ...mass.reasons];
  if (mass.isLow === true) {
    const isSevere = strength.isLow === true && performance.isLow === true;
    return {
      result: {
        category: isSevere ? "severe" : "sarcopenia",
        reasons: [
          ...reasons,
          isSevere
            ? plainReason("awgs2019.severe", "Low muscle mass, low strength and low performance → severe sarcopenia")
            : plainReason("awgs2019.sarcopenia", "Low muscle mass with low strength or low performance → sarcopenia"),
        ],
      },
      ...base,
      lowMass: true,
      decidedAt: latestDate([functionDecidedAt, mass.decidedAt]),
    };
  }
  if (mass.isLow === false && !t.awgs2019.possibleWhenMassNormal) {
    return {
      result: {
        category: "none",
        reasons: [
          ...reasons,
          plainReason(
            "awgs2019.mass_normal_none",
            "Low strength or performance but muscle mass measured and not low → no sarcopenia (clinic setting: 'possible' only when mass is unmeasured)",
          ),
        ],
      },
      ...base,
      lowMass: false,
      decidedAt: latestDate([functionDecidedAt, mass.decidedAt]),
    };
  }
  return {
    result: {
      category: "possible",
      reasons: [
        ...reasons,
        mass.isLow === false
          ? plainReason("awgs2019.possible_mass_normal", "Low strength or performance with muscle mass measured and not low → possible sarcopenia (clinic setting)")
          : plainReason("awgs2019.possible", "Low strength or performance, muscle mass not measured → possible sarcopenia"),
      ],
    },
    ...base,
    lowMass: mass.isLow,
    decidedAt: functionDecidedAt,
  };
}
