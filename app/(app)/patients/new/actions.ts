"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { guardedAction, type ActionState } from "@/lib/auth/guarded";
import { getDb } from "@/lib/data/db/client";
import { createPatient } from "@/lib/data/patients/details";
import { isAppError } from "@/lib/errors";
import { FLAG_CODES, type FlagCode } from "@/lib/domain/types";
import { assessmentNoticeQuery } from "@/lib/validation/change-notice";
import { newPatientFormSchema } from "@/lib/validation/patient-form";

const isFlagCode = (code: string): code is FlagCode => (FLAG_CODES as readonly string[]).includes(code);

/**
 * Registers a patient. On success the new patient's page opens with a status message of their
 * evaluation (tier, flags opened); a taken MRN comes back beside the MRN field, naming the patient
 * who has it, with everything typed kept in the form.
 */
export const createPatientAction = guardedAction("patient:edit", newPatientFormSchema, async (input, actor): Promise<ActionState> => {
  let created;
  try {
    created = await createPatient(getDb(), actor, input, new Date());
  } catch (error) {
    if (isAppError(error) && error.code === "conflict") return { ok: false, fieldErrors: { mrn: [error.message] }, message: "Check the highlighted fields." };
    if (isAppError(error) && error.code === "invalid") return { ok: false, fieldErrors: { birthDate: [error.message] }, message: "Check the highlighted fields." };
    throw error;
  }
  revalidatePath("/patients");
  const notice = assessmentNoticeQuery({
    saved: "patient",
    tierBefore: null,
    tierAfter: created.change.tierAfter,
    flagsOpened: created.change.flagsOpened.filter(isFlagCode),
    flagsClosed: [],
  });
  redirect(`/patients/${created.patientId}?${notice}`);
});
