import { z } from "zod";
import { safeText } from "./safe-text";
import { TEXT_LIMITS } from "@/lib/domain/text-rules";

/**
 * The flag forms on the patient page (outreach, close, reopen). FormData carries strings, so the
 * version is coerced. The flag id alone identifies the flag: the data layer scopes it by clinic,
 * so a patient id from the form is never trusted.
 */
const flagRef = {
  flagId: z.string().trim().min(1, "The flag is missing; reload the page."),
  version: z.coerce.number({ error: "The flag's version is missing; reload the page." }).int().positive("The flag's version is missing; reload the page."),
};

export const flagOutreachSchema = z.object({
  ...flagRef,
  outreach: z.enum(["none", "contacted", "scheduled", "declined"], { error: "Choose an outreach status from the list." }),
});

export const flagCloseSchema = z.object({
  ...flagRef,
  reason: z.enum(["done", "not_applicable", "patient_declined"], { error: "Choose why the flag is closed." }),
  note: safeText({ label: "The note", max: TEXT_LIMITS.note, multiline: true, maxMessage: `Keep the note to ${TEXT_LIMITS.note} characters.` })
    .optional()
    .transform((note) => (note ? note : null)),
});

export const flagReopenSchema = z.object(flagRef);

export type FlagOutreachInput = z.infer<typeof flagOutreachSchema>;
export type FlagCloseInput = z.infer<typeof flagCloseSchema>;
export type FlagReopenInput = z.infer<typeof flagReopenSchema>;
