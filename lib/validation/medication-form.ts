import { z } from "zod";
import { findMedicineById, matchMedicine, type CatalogueEntry } from "@/lib/domain/medicine-catalogue";
import { CONDITION_CODES, type ConditionCode } from "@/lib/domain/types";
import { parseDateCell } from "./numbers";
import { characterProblem, TEXT_LIMITS } from "@/lib/domain/text-rules";

/**
 * The medicines and conditions forms on a patient's "Medicines and conditions" page. A medicine
 * counts for the rules only when it is a catalogue entry (docs/clinical-reference.md#medicines: never by free text); a
 * name the catalogue does not know is kept as free text and shown as "not matched". Every form
 * carries the patient's version (optimistic concurrency, checked by lib/data/patients/medications.ts).
 */

export const MAX_MEDICINE_NAME = TEXT_LIMITS.medicineName;
/** The radio value that keeps the typed name as free text. */
export const FREE_TEXT_CHOICE = "free-text";

export const CONDITION_LABELS: Record<ConditionCode, string> = {
  autoimmune_gastritis: "Autoimmune (pernicious) gastritis",
  atrophic_gastritis: "Atrophic gastritis",
  gastrectomy: "Gastrectomy",
  bariatric_surgery: "Bariatric surgery",
  ileal_resection: "Ileal resection",
  crohns_ileal: "Crohn's disease of the ileum",
  coeliac: "Coeliac disease",
  pelvic_radiotherapy: "Pelvic or abdominal radiotherapy",
  sjogren_syndrome: "Sjögren's syndrome",
  type_1_diabetes: "Type 1 diabetes",
  family_history_b12_deficiency: "Family history of B12 deficiency",
};

const version = z.coerce
  .number({ error: "The record's version is missing; reload the page." })
  .int({ error: "The record's version is missing; reload the page." })
  .positive({ error: "The record's version is missing; reload the page." });
const id = (what: string) => z.string({ error: `The ${what} is missing; reload the page.` }).trim().min(1, { error: `The ${what} is missing; reload the page.` });
const text = z
  .string()
  .optional()
  .transform((value) => (value ?? "").trim());

function optionalDate(value: string, label: string, field: string, ctx: z.RefinementCtx): Date | null {
  if (value === "") return null;
  const parsed = parseDateCell(value, label);
  if (!parsed.ok) {
    ctx.addIssue({ code: "custom", path: [field], message: parsed.message });
    return null;
  }
  return parsed.value;
}

/** The name to store for a catalogue choice: the brand the clinician searched for, else the generic name. */
export function medicineDisplayName(entry: CatalogueEntry, query: string): string {
  const folded = query.trim().replace(/\s+/g, " ").toLowerCase();
  return entry.brandNames.find((brand) => brand.toLowerCase() === folded) ?? entry.genericName;
}

export interface MedicationAddInput {
  patientId: string;
  expectedVersion: number;
  catalogueId: string | null;
  name: string;
  startedOn: Date | null;
}

/**
 * Adding a medicine: `choice` is a catalogue id picked from the search results, or
 * {@link FREE_TEXT_CHOICE} to keep `query` as free text. Free text that names a catalogue entry
 * exactly (generic or brand) is matched, as the importer does.
 */
export const medicationAddSchema = z
  .object({ patientId: id("patient"), expectedVersion: version, query: text, choice: text, startedOn: text })
  .transform((form, ctx): MedicationAddInput => {
    const startedOn = optionalDate(form.startedOn, "Start date", "startedOn", ctx);
    let entry: CatalogueEntry | null = null;
    let name = form.query;
    const unsafe = characterProblem(form.query, "The medicine's name");
    if (unsafe) {
      ctx.addIssue({ code: "custom", path: ["query"], message: unsafe });
      return z.NEVER;
    }
    if (form.choice === "") {
      ctx.addIssue({ code: "custom", path: ["choice"], message: form.query === "" ? "Search for the medicine by generic or brand name first." : "Choose the medicine from the list." });
    } else if (form.choice === FREE_TEXT_CHOICE) {
      if (form.query === "") ctx.addIssue({ code: "custom", path: ["query"], message: "Type the medicine's name." });
      else if (form.query.length > MAX_MEDICINE_NAME) ctx.addIssue({ code: "custom", path: ["query"], message: `Keep the name to ${MAX_MEDICINE_NAME} characters.` });
      entry = matchMedicine(form.query);
      if (entry) name = medicineDisplayName(entry, form.query);
    } else {
      entry = findMedicineById(form.choice);
      if (!entry || entry.isClassEntry) ctx.addIssue({ code: "custom", path: ["choice"], message: "That medicine is not in the catalogue; search again." });
      else name = medicineDisplayName(entry, form.query);
    }
    if (ctx.issues.length > 0) return z.NEVER;
    return { patientId: form.patientId, expectedVersion: form.expectedVersion, catalogueId: entry?.id ?? null, name, startedOn };
  });

export interface MedicationEditInput {
  medicationId: string;
  expectedVersion: number;
  startedOn: Date | null;
  stoppedOn: Date | null;
}

/** Editing a medicine's dates; a stop date must not be before the start date. */
export const medicationEditSchema = z
  .object({ medicationId: id("medicine"), expectedVersion: version, startedOn: text, stoppedOn: text })
  .transform((form, ctx): MedicationEditInput => {
    const startedOn = optionalDate(form.startedOn, "Start date", "startedOn", ctx);
    const stoppedOn = optionalDate(form.stoppedOn, "Stop date", "stoppedOn", ctx);
    if (startedOn && stoppedOn && stoppedOn.getTime() < startedOn.getTime()) {
      ctx.addIssue({ code: "custom", path: ["stoppedOn"], message: "The stop date is before the start date." });
    }
    if (ctx.issues.length > 0) return z.NEVER;
    return { medicationId: form.medicationId, expectedVersion: form.expectedVersion, startedOn, stoppedOn };
  });

export interface MedicationStopInput {
  medicationId: string;
  expectedVersion: number;
  stoppedOn: Date;
}

export const medicationStopSchema = z
  .object({ medicationId: id("medicine"), expectedVersion: version, stoppedOn: text })
  .transform((form, ctx): MedicationStopInput => {
    if (form.stoppedOn === "") {
      ctx.addIssue({ code: "custom", path: ["stoppedOn"], message: "Enter the date the medicine was stopped." });
      return z.NEVER;
    }
    const stoppedOn = optionalDate(form.stoppedOn, "Stop date", "stoppedOn", ctx);
    if (stoppedOn === null) return z.NEVER;
    return { medicationId: form.medicationId, expectedVersion: form.expectedVersion, stoppedOn };
  });

export const conditionChangeSchema = z.object({
  patientId: id("patient"),
  expectedVersion: version,
  code: z.enum(CONDITION_CODES, { error: "Choose a condition from the list." }),
});

export type ConditionChangeInput = z.infer<typeof conditionChangeSchema>;
