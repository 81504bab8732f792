import { z } from "zod";
import { DEFAULT_THRESHOLDS, type ThresholdValues } from "@/lib/domain/thresholds";

const positive = z.number().finite().positive();
const sexSpecific = z.object({ male: positive, female: positive });
const b12Edge = z.object({ pmolL: positive, ngL: positive });
const wholeDays = z.number().int().min(0).max(3650);
const months = z.number().int().min(1).max(120);
const banded = <T extends z.ZodType>(value: T) => z.object({ age50to64: value, age65plus: value });

/**
 * An admin-edited threshold set. Beyond types and ranges it checks the orderings the rules rely
 * on (a band's lower edge below its upper edge), so a typo cannot make "indeterminate" empty.
 */
export const thresholdValuesSchema = z
  .object({
    version: z.number().int().min(1),
    screening: z.object({ ageYears: z.number().int().min(18).max(120), lookBackMonths: z.number().int().min(1).max(120) }),
    ewgsop2: z.object({
      gripKg: sexSpecific,
      chairStandS: positive,
      asmKg: sexSpecific,
      asmiKgM2: sexSpecific,
      gaitSpeedMS: positive,
      sppbPoints: z.number().int().min(0).max(12),
      tugS: positive,
      walk400mS: positive,
    }),
    awgs2019: z.object({
      gripKg: sexSpecific,
      gaitSpeedMS: positive,
      chairStandS: positive,
      sppbPoints: z.number().int().min(0).max(12),
      asmiDxaKgM2: sexSpecific,
      asmiBiaKgM2: sexSpecific,
      possibleWhenMassNormal: z.boolean(),
    }),
    // Groups added after threshold sets were first stored: a stored set without one takes its defaults.
    awgs2025: z
      .object({
        gripKg: banded(sexSpecific),
        asmiDxaKgM2: banded(sexSpecific),
        asmiBiaKgM2: banded(sexSpecific),
        asmBmiDxa: banded(sexSpecific),
        asmBmiBia: banded(sexSpecific),
        chairStandS: banded(positive),
        gaitSpeedMS: banded(positive),
        riskBmiBelowKgM2: positive,
        riskWeightLossKg: positive,
        riskWeightLossWindowDays: z.number().int().min(1).max(3650),
        yubiWakkaJustFitsAbnormal: z.boolean(),
        possibleWhenMassNormal: z.boolean(),
        drivesTiersAndFlags: z.boolean(),
      })
      .default(() => structuredClone(DEFAULT_THRESHOLDS.awgs2025)),
    caseFinding: z.object({
      calfCm: sexSpecific,
      sarcFPositive: z.number().int().min(0).max(10),
      sarcCalFPositive: z.number().int().min(0).max(20),
      sarcCalFCalfPoints: z.number().int().min(0).max(10),
      sarcCalFCalfComparison: z.enum(["<", "<="]),
    }),
    sdoc: z.object({ gripKg: sexSpecific, gaitSpeedMS: positive }),
    fnih: z.object({ gripKg: sexSpecific, almBmi: sexSpecific }),
    b12: z.object({
      serumDeficientBelow: b12Edge,
      serumAdequateAbove: b12Edge,
      holotcDeficientBelowPmolL: positive,
      holotcAdequateAbovePmolL: positive,
      mmaDeficientAboveUmolL: positive,
      mmaNormalAtMostUmolL: positive,
      homocysteineHighAboveUmolL: positive,
      renalCaveatEgfrBelow: positive,
    }),
    b12Testing: z
      .object({ caseFindingOnRiskFactorAlone: z.boolean(), retestIntervalMonths: months, acidSuppressantMinMonths: z.number().int().min(0).max(120) })
      .default(() => structuredClone(DEFAULT_THRESHOLDS.b12Testing)),
    decline: z
      .object({ gripDropKg: positive, gaitSpeedDropMS: positive, windowMonths: months, dueDays: wholeDays })
      .default(() => structuredClone(DEFAULT_THRESHOLDS.decline)),
    flags: z.object({
      b12ConfirmDueDays: wholeDays,
      b12FollowUpDueDays: wholeDays,
      muscleMassDueDays: wholeDays,
      performanceDueDays: wholeDays,
      sarcopeniaFollowUpDueDays: wholeDays,
      medicationReviewDueDays: wholeDays,
    }),
    flagLifecycle: z
      .object({ dueSoonDays: wholeDays, awaitingResultDays: wholeDays, closedReturnDays: wholeDays })
      .default(() => structuredClone(DEFAULT_THRESHOLDS.flagLifecycle)),
  })
  .superRefine((t, ctx) => {
    const order = (low: number, high: number, path: (string | number)[], message: string) => {
      if (!(low < high)) ctx.addIssue({ code: "custom", path, message });
    };
    order(t.b12.serumDeficientBelow.pmolL, t.b12.serumAdequateAbove.pmolL, ["b12", "serumAdequateAbove", "pmolL"], "The serum B12 'unlikely' edge (pmol/L) must be above the 'likely' edge.");
    order(t.b12.serumDeficientBelow.ngL, t.b12.serumAdequateAbove.ngL, ["b12", "serumAdequateAbove", "ngL"], "The serum B12 'unlikely' edge (ng/L) must be above the 'likely' edge.");
    order(t.b12.holotcDeficientBelowPmolL, t.b12.holotcAdequateAbovePmolL, ["b12", "holotcAdequateAbovePmolL"], "The active B12 'unlikely' edge must be above the 'likely' edge.");
    order(t.b12.mmaNormalAtMostUmolL, t.b12.mmaDeficientAboveUmolL, ["b12", "mmaDeficientAboveUmolL"], "The MMA deficiency cut-off must be above the MMA rule-out cut-off.");
  }) satisfies z.ZodType<ThresholdValues>;
