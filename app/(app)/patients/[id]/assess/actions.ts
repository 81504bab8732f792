"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { guardedAction } from "@/lib/auth/guarded";
import { getDb } from "@/lib/data/db/client";
import { recordAssessment } from "@/lib/data/patients/assessment";
import { isAppError } from "@/lib/errors";
import { assessmentFormSchema, datesAfter } from "@/lib/validation/assessment-form";

/**
 * Saves one visit. On success the patient page opens with the new evaluation. When someone else
 * saved the patient first, the form keeps what was typed and the page re-renders with the current
 * results and version, beside a message saying what happened.
 */
export const recordAssessmentAction = guardedAction("patient:edit", assessmentFormSchema, async (input, actor) => {
  const now = new Date();
  const future = datesAfter(input.observations, now);
  if (Object.keys(future).length > 0) return { ok: false, fieldErrors: future, message: "Check the highlighted fields." };
  try {
    await recordAssessment(getDb(), actor, input.patientId, { observations: input.observations }, input.expectedVersion, now);
  } catch (error) {
    if (isAppError(error) && error.code === "conflict") {
      revalidatePath(`/patients/${input.patientId}/assess`);
      return { ok: false, message: error.message };
    }
    throw error;
  }
  revalidatePath(`/patients/${input.patientId}`);
  revalidatePath("/patients");
  redirect(`/patients/${input.patientId}`);
});
