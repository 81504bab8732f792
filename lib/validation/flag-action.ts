import { z } from "zod";
import { safeText } from "./safe-text";
import { parseDateCell } from "./numbers";
import { TEXT_LIMITS } from "@/lib/domain/text-rules";
import { OUTREACH_STATUSES, PERSON_CLOSE_REASONS } from "@/lib/domain/flag-lifecycle";
import { outcomeProblem, OUTREACH_CHANNELS, OUTREACH_OUTCOMES } from "@/lib/domain/outreach";

/**
 * The flag forms on the patient page (outreach, order, postpone, close, reopen). FormData carries
 * strings, so the version is coerced and dates are parsed from YYYY-MM-DD. The flag id alone
 * identifies the flag: the data layer scopes it by clinic, so a patient id from the form is never
 * trusted. Rules that need the clock or the flag (a date in the past, a postponement before the
 * due date) are the data layer's (lib/data/flags/lifecycle.ts).
 */
const flagRef = {
  flagId: z.string().trim().min(1, "The flag is missing; reload the page."),
  version: z.coerce.number({ error: "The flag's version is missing; reload the page." }).int().positive("The flag's version is missing; reload the page."),
};

/** An optional YYYY-MM-DD box: empty is null, anything else must be a real date. */
function optionalDate(what: string) {
  return z
    .string()
    .trim()
    .optional()
    .transform((text, ctx) => {
      if (!text) return null;
      const parsed = parseDateCell(text, what);
      if (!parsed.ok) {
        ctx.addIssue({ code: "custom", message: parsed.message });
        return z.NEVER;
      }
      return parsed.value;
    });
}

const note = safeText({ label: "The note", max: TEXT_LIMITS.note, multiline: true, maxMessage: `Keep the note to ${TEXT_LIMITS.note} characters.` })
  .optional()
  .transform((text) => (text ? text : null));

export const flagOutreachSchema = z.object({
  ...flagRef,
  outreach: z.enum(OUTREACH_STATUSES, { error: "Choose an outreach status from the list." }),
});

/** One outreach attempt: channel, outcome (one the channel can have), optional note and next attempt date. */
export const flagOutreachAttemptSchema = z
  .object({
    ...flagRef,
    channel: z.enum(OUTREACH_CHANNELS, { error: "Choose how the patient was contacted." }),
    outcome: z.enum(OUTREACH_OUTCOMES, { error: "Choose the outcome of the attempt." }),
    note,
    nextAttemptOn: optionalDate("The next attempt date"),
  })
  .superRefine((input, ctx) => {
    const problem = outcomeProblem(input.channel, input.outcome);
    if (problem) ctx.addIssue({ code: "custom", path: ["outcome"], message: problem });
  });

export const flagCloseSchema = z
  .object({
    ...flagRef,
    reason: z.enum(PERSON_CLOSE_REASONS, { error: "Choose why the flag is closed." }),
    note,
    doneOn: optionalDate("The date it was done"),
    doneValue: safeText({ label: "The value", max: 100, maxMessage: "Keep the value to 100 characters." })
      .optional()
      .transform((text) => (text ? text : null)),
  })
  .superRefine((input, ctx) => {
    if (input.reason === "other" && input.note === null) ctx.addIssue({ code: "custom", path: ["note"], message: "With “Other”, say why in the note." });
  });

export const flagOrderSchema = z.object({
  ...flagRef,
  expectedOn: optionalDate("The expected date"),
});

export const flagPostponeSchema = z.object({
  ...flagRef,
  until: optionalDate("The date").transform((date, ctx) => {
    if (date === null) {
      ctx.addIssue({ code: "custom", message: "Give the date to postpone the flag until (YYYY-MM-DD)." });
      return z.NEVER;
    }
    return date;
  }),
  note,
});

export const flagReopenSchema = z.object(flagRef);

export type FlagOutreachInput = z.infer<typeof flagOutreachSchema>;
export type FlagOutreachAttemptInput = z.infer<typeof flagOutreachAttemptSchema>;
export type FlagCloseInput = z.infer<typeof flagCloseSchema>;
export type FlagOrderInput = z.infer<typeof flagOrderSchema>;
export type FlagPostponeInput = z.infer<typeof flagPostponeSchema>;
export type FlagReopenInput = z.infer<typeof flagReopenSchema>;
