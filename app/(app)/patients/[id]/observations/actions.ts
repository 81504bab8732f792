"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { guardedAction, type ActionState } from "@/lib/auth/guarded";
import { getDb } from "@/lib/data/db/client";
import { correctObservation, markObservationEnteredInError, type ObservationChangeResult } from "@/lib/data/patients/observations";
import { isAppError } from "@/lib/errors";
import { observationCorrectionSchema, observationErrorSchema } from "@/lib/validation/assessment-form";

/**
 * A correction saved returns to the results list; a conflict (someone else changed the result
 * first) re-renders the correction page with the current value beside the message.
 */
async function changeAndReturn(change: () => Promise<ObservationChangeResult>, done: string): Promise<ActionState> {
  let result: ObservationChangeResult;
  try {
    result = await change();
  } catch (error) {
    if (isAppError(error) && error.code === "conflict") {
      revalidatePath("/patients/[id]/observations/[observationId]", "page");
      return { ok: false, message: error.message };
    }
    throw error;
  }
  revalidatePath(`/patients/${result.patientId}`);
  revalidatePath("/patients");
  redirect(`/patients/${result.patientId}/observations?done=${done}`);
}

export const correctObservationAction = guardedAction("patient:edit", observationCorrectionSchema, async (input, actor) =>
  changeAndReturn(() => correctObservation(getDb(), actor, input.observationId, input.observation, input.version, new Date()), "corrected"),
);

export const markEnteredInErrorAction = guardedAction("patient:edit", observationErrorSchema, async (input, actor) =>
  changeAndReturn(() => markObservationEnteredInError(getDb(), actor, input.observationId, input.reason, input.version, new Date()), "withdrawn"),
);
