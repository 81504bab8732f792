import { applyCriterion, combineCriteria, type DomainResult } from "./criteria";
import { findMuscleMass } from "./muscle-mass";
import type { ObservationWindow } from "./observations";
import { latestDate } from "./observations";
import { plainReason } from "./reasons";
import { sexKey, thresholdRef, type ThresholdValues } from "./thresholds";
import type { CategoryResult, Ewgsop2Category, Reason, Sex } from "./types";

export interface Ewgsop2Assessment {
  result: CategoryResult<Ewgsop2Category>;
  lowStrength: boolean | null;
  lowQuantity: boolean | null;
  lowPerformance: boolean | null;
  /** Date of the latest result that decided the category; anchors flag due dates. */
  decidedAt: Date | null;
}

function outcome(
  category: Ewgsop2Category,
  reasons: Reason[],
  domains: Pick<Ewgsop2Assessment, "lowStrength" | "lowQuantity" | "lowPerformance" | "decidedAt">,
): Ewgsop2Assessment {
  return { result: { category, reasons }, ...domains };
}

/**
 * Low strength (EWGSOP2, Table 3): grip < 27 kg men / < 16 kg women, or 5 chair rises > 15 s,
 * or unable to complete the chair stand. Either test low suffices.
 */
export function ewgsop2Strength(sex: "male" | "female", window: ObservationWindow, t: ThresholdValues): DomainResult {
  return combineCriteria([
    applyCriterion(window.latest("grip_strength"), {
      code: "ewgsop2.grip",
      subject: "Grip",
      ref: thresholdRef(t, sexKey(sex, "ewgsop2.gripKg.male", "ewgsop2.gripKg.female")),
      whenMet: "low strength",
      whenNotMet: "normal strength",
    }),
    applyCriterion(window.latest("chair_stand_5x"), {
      code: "ewgsop2.chair_stand",
      subject: "Chair stand (5 rises)",
      ref: thresholdRef(t, "ewgsop2.chairStandS"),
      whenMet: "low strength",
      whenNotMet: "normal strength",
      unableText: "Unable to complete 5 chair rises",
    }),
  ]);
}

/**
 * Low muscle quantity (EWGSOP2, Table 3): ASM < 20 kg men / < 15 kg women, or ASM/height²
 * < 7.0 kg/m² men / < 5.5 kg/m² women. Either low suffices.
 */
export function ewgsop2Quantity(sex: "male" | "female", window: ObservationWindow, t: ThresholdValues): DomainResult {
  const mass = findMuscleMass(window);
  if (mass === null) return { isLow: null, reasons: [], decidedAt: null };
  return combineCriteria([
    applyCriterion(mass.asm, {
      code: "ewgsop2.asm",
      subject: "ASM",
      ref: thresholdRef(t, sexKey(sex, "ewgsop2.asmKg.male", "ewgsop2.asmKg.female")),
      whenMet: "low muscle quantity",
      whenNotMet: "muscle quantity not low",
    }),
    applyCriterion(
      mass.asm,
      {
        code: "ewgsop2.asmi",
        subject: "ASM/height²",
        ref: thresholdRef(t, sexKey(sex, "ewgsop2.asmiKgM2.male", "ewgsop2.asmiKgM2.female")),
        whenMet: "low muscle quantity",
        whenNotMet: "muscle quantity not low",
      },
      mass.asmiKgM2,
    ),
  ]);
}

/**
 * Low physical performance (EWGSOP2, Table 3): gait speed ≤ 0.8 m/s, SPPB ≤ 8, TUG ≥ 20 s,
 * or 400 m walk not completed or ≥ 6 min. Any one low suffices.
 */
export function ewgsop2Performance(window: ObservationWindow, t: ThresholdValues): DomainResult {
  return combineCriteria([
    applyCriterion(window.latest("gait_speed"), {
      code: "ewgsop2.gait_speed",
      subject: "Gait speed",
      ref: thresholdRef(t, "ewgsop2.gaitSpeedMS"),
      whenMet: "low performance",
      whenNotMet: "performance not low",
    }),
    applyCriterion(window.latest("sppb"), {
      code: "ewgsop2.sppb",
      subject: "SPPB",
      ref: thresholdRef(t, "ewgsop2.sppbPoints"),
      whenMet: "low performance",
      whenNotMet: "performance not low",
    }),
    applyCriterion(window.latest("tug"), {
      code: "ewgsop2.tug",
      subject: "Timed up-and-go",
      ref: thresholdRef(t, "ewgsop2.tugS"),
      whenMet: "low performance",
      whenNotMet: "performance not low",
    }),
    applyCriterion(window.latest("walk_400m"), {
      code: "ewgsop2.walk_400m",
      subject: "400 m walk",
      ref: thresholdRef(t, "ewgsop2.walk400mS"),
      whenMet: "low performance",
      whenNotMet: "performance not low",
      unableText: "400 m walk not completed",
    }),
  ]);
}

/**
 * EWGSOP2 category (Cruz-Jentoft et al., Age Ageing 2019;48:16-31, Table 3 and pathway):
 * low strength → probable; + low quantity → confirmed; + low performance → severe.
 * Strength measured and normal stops the pathway ("none") whatever the other values; no strength
 * result or unknown sex (sex-specific cut-offs) → insufficient_data.
 */
export function assessEwgsop2(sex: Sex, window: ObservationWindow, t: ThresholdValues): Ewgsop2Assessment {
  const unknown = { lowStrength: null, lowQuantity: null, lowPerformance: null, decidedAt: null };
  if (sex === "unknown") {
    return outcome(
      "insufficient_data",
      [plainReason("ewgsop2.sex_unknown", "Sex not recorded: EWGSOP2 cut-offs are sex-specific → insufficient data")],
      unknown,
    );
  }
  const strength = ewgsop2Strength(sex, window, t);
  if (strength.isLow === null) {
    return outcome(
      "insufficient_data",
      [
        plainReason(
          "ewgsop2.no_strength",
          `No grip strength or chair-stand result in the last ${t.screening.lookBackMonths} months → insufficient data (EWGSOP2 starts with strength)`,
        ),
      ],
      unknown,
    );
  }
  if (!strength.isLow) {
    return outcome(
      "none",
      [
        ...strength.reasons,
        plainReason("ewgsop2.strength_normal", "Strength normal → EWGSOP2 pathway stops: no sarcopenia"),
      ],
      { lowStrength: false, lowQuantity: null, lowPerformance: null, decidedAt: strength.decidedAt },
    );
  }

  const quantity = ewgsop2Quantity(sex, window, t);
  const performance = ewgsop2Performance(window, t);
  const domains = {
    lowStrength: true,
    lowQuantity: quantity.isLow,
    lowPerformance: performance.isLow,
  };
  if (quantity.isLow !== true) {
    const quantityNote =
      quantity.isLow === null
        ? plainReason("ewgsop2.quantity_unmeasured", "Muscle quantity not measured → probable sarcopenia")
        : plainReason("ewgsop2.quantity_normal", "Low strength with muscle quantity measured and not low → stays probable sarcopenia");
    return outcome("probable", [...strength.reasons, ...quantity.reasons, quantityNote], {
      ...domains,
      decidedAt: strength.decidedAt,
    });
  }
  if (performance.isLow === true) {
    return outcome(
      "severe",
      [
        ...strength.reasons,
        ...quantity.reasons,
        ...performance.reasons,
        plainReason("ewgsop2.severe", "Low strength, low muscle quantity and low performance → severe sarcopenia"),
      ],
      { ...domains, decidedAt: latestDate([strength.decidedAt, quantity.decidedAt, performance.decidedAt]) },
    );
  }
  return outcome(
    "confirmed",
    [
      ...strength.reasons,
      ...quantity.reasons,
      ...performance.reasons,
      plainReason(
        "ewgsop2.confirmed",
        performance.isLow === null
          ? "Low strength and low muscle quantity (performance not measured) → confirmed sarcopenia"
          : "Low strength and low muscle quantity, performance not low → confirmed sarcopenia",
      ),
    ],
    { ...domains, decidedAt: latestDate([strength.decidedAt, quantity.decidedAt]) },
  );
}
