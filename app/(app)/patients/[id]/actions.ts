"use server";

import { revalidatePath } from "next/cache";
import { guardedAction, type ActionState } from "@/lib/auth/guarded";
import { getDb } from "@/lib/data/db/client";
import { closeFlag, CLOSE_REASON_LABELS, OUTREACH_LABELS, reopenFlag, updateFlagOutreach, type FlagChangeResult } from "@/lib/data/flags/lifecycle";
import { isAppError } from "@/lib/errors";
import { flagCloseSchema, flagOutreachSchema, flagReopenSchema } from "@/lib/validation/flag-action";

/**
 * Runs a flag change and refreshes the patient page and the panel (whose open-flag column and
 * overdue order it changes). A conflict also refreshes the page, so the form shows the flag's
 * current state beside the message explaining what happened.
 */
async function changeAndRefresh(change: () => Promise<FlagChangeResult>, message: string): Promise<ActionState> {
  try {
    const result = await change();
    revalidatePath(`/patients/${result.patientId}`);
    revalidatePath("/patients");
    return { ok: true, message };
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

export const closeFlagAction = guardedAction("flag:act", flagCloseSchema, async (input, actor) =>
  changeAndRefresh(() => closeFlag(getDb(), actor, input.flagId, input.reason, input.note, input.version), `Flag closed (${CLOSE_REASON_LABELS[input.reason].toLowerCase()}); it is in the flag history.`),
);

export const reopenFlagAction = guardedAction("flag:act", flagReopenSchema, async (input, actor) =>
  changeAndRefresh(() => reopenFlag(getDb(), actor, input.flagId, input.version), "Flag reopened."),
);
