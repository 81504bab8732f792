"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { guardedAction, type ActionState } from "@/lib/auth/guarded";
import { getDb } from "@/lib/data/db/client";
import { updatePatientDetails } from "@/lib/data/patients/details";
import { isAppError } from "@/lib/errors";
import { FLAG_CODES, type FlagCode } from "@/lib/domain/types";
import { assessmentNoticeQuery } from "@/lib/validation/change-notice";
import { patientDetailsFormSchema } from "@/lib/validation/patient-form";

const isFlagCode = (code: string): code is FlagCode => (FLAG_CODES as readonly string[]).includes(code);

/**
 * Saves a patient's demographics and diet. On success the patient page opens with what the save
 * changed (tier before → after, flags opened and closed: a diet change can raise or end
 * b12_test_due). When someone else saved the patient first, the form keeps what was typed and the
 * page re-renders with the current record and version beside the message.
 */
export const updatePatientDetailsAction = guardedAction("patient:edit", patientDetailsFormSchema, async (input, actor): Promise<ActionState> => {
  let saved;
  try {
    saved = await updatePatientDetails(getDb(), actor, input.patientId, input, input.expectedVersion, new Date());
  } catch (error) {
    if (isAppError(error) && error.code === "conflict") {
      revalidatePath(`/patients/${input.patientId}/edit`);
      return { ok: false, message: error.message };
    }
    if (isAppError(error) && error.code === "invalid" && error.message.startsWith("The birth date")) {
      return { ok: false, fieldErrors: { birthDate: [error.message] }, message: "Check the highlighted fields." };
    }
    throw error;
  }
  revalidatePath(`/patients/${input.patientId}`);
  revalidatePath("/patients");
  const notice = assessmentNoticeQuery({
    saved: "details",
    tierBefore: saved.change.tierBefore,
    tierAfter: saved.change.tierAfter,
    flagsOpened: saved.change.flagsOpened.filter(isFlagCode),
    flagsClosed: saved.change.flagsClosed.filter(isFlagCode),
  });
  redirect(`/patients/${input.patientId}?${notice}`);
});
