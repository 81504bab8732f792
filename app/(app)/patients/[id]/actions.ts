"use server";

import { revalidatePath } from "next/cache";
import { guardedAction, type ActionState } from "@/lib/auth/guarded";
import { getDb } from "@/lib/data/db/client";
import { closeFlag, CLOSE_REASON_LABELS, markFlagOrdered, OUTREACH_LABELS, postponeFlag, reopenFlag, updateFlagOutreach, type FlagChangeResult } from "@/lib/data/flags/lifecycle";
import { returnSentence } from "@/lib/domain/flag-lifecycle";
import { toIsoDate } from "@/lib/domain/dates";
import { isAppError } from "@/lib/errors";
import { recordOutreachAttempt } from "@/lib/data/flags/outreach";
import { OUTREACH_OUTCOME_LABELS } from "@/lib/domain/outreach";
import { flagCloseSchema, flagOrderSchema, flagOutreachAttemptSchema, flagOutreachSchema, flagPostponeSchema, flagReopenSchema } from "@/lib/validation/flag-action";

/**
 * Runs a flag change and refreshes the patient page and the panel (whose open-flag column and
 * overdue order it changes). A conflict also refreshes the page, so the form shows the flag's
 * current state beside the message explaining what happened.
 */
async function changeAndRefresh(change: () => Promise<FlagChangeResult>, message: string | ((result: FlagChangeResult) => string)): Promise<ActionState> {
  try {
    const result = await change();
    revalidatePath(`/patients/${result.patientId}`);
    revalidatePath("/patients");
    return { ok: true, message: typeof message === "string" ? message : message(result) };
  } catch (error) {
    if (isAppError(error) && error.code === "conflict") {
      revalidatePath("/patients/[id]", "page");
      return { ok: false, message: error.message };
    }
    throw error;
  }
}

export const setFlagOutreachAction = guardedAction("flag:act", flagOutreachSchema, async (input, actor) =>
  changeAndRefresh(() => updateFlagOutreach(getDb(), actor, input.flagId, input.outreach, input.version), `Outreach saved: ${OUTREACH_LABELS[input.outreach]}.`),
);

export const recordOutreachAttemptAction = guardedAction("flag:act", flagOutreachAttemptSchema, async (input, actor) =>
  changeAndRefresh(
    () => recordOutreachAttempt(getDb(), actor, input.flagId, { channel: input.channel, outcome: input.outcome, note: input.note, nextAttemptOn: input.nextAttemptOn }, input.version),
    `Outreach attempt saved: ${OUTREACH_OUTCOME_LABELS[input.outcome].toLowerCase()}${input.nextAttemptOn ? `; next attempt ${toIsoDate(input.nextAttemptOn)}` : "; no further attempt planned"}.`,
  ),
);

export const closeFlagAction = guardedAction("flag:act", flagCloseSchema, async (input, actor) =>
  changeAndRefresh(
    () => closeFlag(getDb(), actor, input.flagId, { reason: input.reason, note: input.note, doneOn: input.doneOn, doneValue: input.doneValue }, input.version),
    (result) => `Flag closed (${CLOSE_REASON_LABELS[input.reason].toLowerCase()}); it is in the flag history. ${returnSentence(result.returnsAt)}`,
  ),
);

export const orderFlagAction = guardedAction("flag:act", flagOrderSchema, async (input, actor) =>
  changeAndRefresh(() => markFlagOrdered(getDb(), actor, input.flagId, input.expectedOn, input.version), "Marked ordered: the flag waits for the result."),
);

export const postponeFlagAction = guardedAction("flag:act", flagPostponeSchema, async (input, actor) =>
  changeAndRefresh(
    () => postponeFlag(getDb(), actor, input.flagId, input.until, input.note, input.version),
    `Flag postponed until ${toIsoDate(input.until)}.`,
  ),
);

export const reopenFlagAction = guardedAction("flag:act", flagReopenSchema, async (input, actor) =>
  changeAndRefresh(() => reopenFlag(getDb(), actor, input.flagId, input.version), "Flag reopened."),
);
