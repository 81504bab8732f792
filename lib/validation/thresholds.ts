import { z } from "zod";
import type { ThresholdValues } from "@/lib/domain/thresholds";

const positive = z.number().finite().positive();
const sexSpecific = z.object({ male: positive, female: positive });
const b12Edge = z.object({ pmolL: positive, ngL: positive });
const wholeDays = z.number().int().min(0).max(3650);

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
    flags: z.object({
      b12ConfirmDueDays: wholeDays,
      b12FollowUpDueDays: wholeDays,
      muscleMassDueDays: wholeDays,
      performanceDueDays: wholeDays,
      sarcopeniaFollowUpDueDays: wholeDays,
      medicationReviewDueDays: wholeDays,
    }),
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
