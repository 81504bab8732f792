import { z } from "zod";
import { CONDITION_CODES, DIETS, SEXES, type ConditionCode, type Diet, type Sex } from "@/lib/domain/types";
import { TEXT_LIMITS } from "@/lib/domain/text-rules";
import { parseDateCell } from "./numbers";
import { safeText } from "./safe-text";

/**
 * The "New patient" and "Edit details" forms (app/(app)/patients/new, app/(app)/patients/[id]/edit):
 * each field refused with a sentence that says what to do, shown beside it. Diet "not recorded" is
 * the empty choice: the engine then counts no diet risk factor. The birth date's "after today" is
 * checked by the data layer against the save's clock (lib/data/patients/details.ts).
 */

export const DIET_LABELS: Record<Diet, string> = { omnivore: "Omnivore (eats meat or fish)", vegetarian: "Vegetarian", vegan: "Vegan" };
export const SEX_CHOICES: Record<Sex, string> = { female: "Female", male: "Male", unknown: "Unknown" };

const name = (label: string) =>
  safeText({ label, max: TEXT_LIMITS.name, min: 1, minMessage: `Enter the ${label.toLowerCase().replace(/^the /, "")}.`, typeMessage: `Enter the ${label.toLowerCase().replace(/^the /, "")}.` });

const birthDate = z
  .string({ error: "Enter the birth date as YYYY-MM-DD." })
  .transform((text, ctx) => {
    if (text.trim() === "") {
      ctx.addIssue({ code: "custom", message: "Enter the birth date as YYYY-MM-DD." });
      return z.NEVER;
    }
    const parsed = parseDateCell(text, "Birth date");
    if (!parsed.ok) {
      ctx.addIssue({ code: "custom", message: parsed.message });
      return z.NEVER;
    }
    return parsed.value;
  });

const sex = z.enum(SEXES, { error: "Choose the patient's sex (Unknown if it is not recorded)." });
const diet = z
  .union([z.enum(DIETS), z.literal("")], { error: "Choose a diet, or Not recorded." })
  .transform((value): Diet | null => (value === "" ? null : value));

const detailsShape = {
  familyName: name("Family name"),
  givenName: name("Given name"),
  birthDate,
  sex,
  diet,
};

/** The checkbox of a condition on the new-patient form: one field per condition, "on" when ticked. */
export function conditionField(code: ConditionCode): string {
  return `condition_${code}`;
}

export const newPatientFormSchema = z
  .looseObject({
    mrn: safeText({ label: "The MRN", max: TEXT_LIMITS.mrn, min: 1, minMessage: "Enter the patient's MRN (medical record number).", typeMessage: "Enter the patient's MRN (medical record number)." }),
    ...detailsShape,
  })
  .transform((form) => ({
    mrn: form.mrn,
    familyName: form.familyName,
    givenName: form.givenName,
    birthDate: form.birthDate,
    sex: form.sex,
    diet: form.diet,
    conditions: CONDITION_CODES.filter((code) => form[conditionField(code)] === "on"),
  }));
export type NewPatientForm = z.infer<typeof newPatientFormSchema>;

export const patientDetailsFormSchema = z.object({
  patientId: z.string({ error: "The patient is missing; reload the page." }).trim().min(1, { error: "The patient is missing; reload the page." }),
  expectedVersion: z.coerce
    .number({ error: "The record's version is missing; reload the page." })
    .int({ error: "The record's version is missing; reload the page." })
    .positive({ error: "The record's version is missing; reload the page." }),
  ...detailsShape,
});
