"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { guardedAction } from "@/lib/auth/guarded";
import { getDb } from "@/lib/data/db/client";
import { recordAssessment } from "@/lib/data/patients/assessment";
import type { StoredFinding } from "@/lib/data/patients/record-rows";
import { isAppError } from "@/lib/errors";
import { assessmentFormSchema, datesAfter } from "@/lib/validation/assessment-form";
import { assessmentNoticeQuery } from "@/lib/validation/change-notice";
import { FLAG_CODES, type FlagCode } from "@/lib/domain/types";

const isFlagCode = (code: string): code is FlagCode => (FLAG_CODES as readonly string[]).includes(code);

/**
 * Saves one visit. On success the patient page opens with the new evaluation and a status message
 * of what the save changed. When someone else
 * saved the patient first, the form keeps what was typed and the page re-renders with the current
 * results and version, beside a message saying what happened.
 */
export const recordAssessmentAction = guardedAction("patient:edit", assessmentFormSchema, async (input, actor) => {
  const now = new Date();
  const future = datesAfter(input.observations, now);
  if (Object.keys(future).length > 0) return { ok: false, fieldErrors: future, message: "Check the highlighted fields." };
  let notice: string;
  try {
    const findings: StoredFinding[] = [
      ...(input.yubiWakka ? [{ kind: "yubi_wakka" as const, code: input.yubiWakka, recordedAt: input.visitDate }] : []),
      ...input.b12Symptoms.map((code) => ({ kind: "b12_symptom" as const, code, recordedAt: input.visitDate })),
    ];
    if (input.visitDate.getTime() > now.getTime() && findings.length > 0) {
      return { ok: false, fieldErrors: { visitDate: ["The visit date is after today."] }, message: "Check the highlighted fields." };
    }
    const saved = await recordAssessment(getDb(), actor, input.patientId, { observations: input.observations, findings }, input.expectedVersion, now);
    // The codes come from the engine's open flags; the page shows only those it knows.
    notice = assessmentNoticeQuery({
      tierBefore: saved.change.tierBefore,
      tierAfter: saved.change.tierAfter,
      flagsOpened: saved.change.flagsOpened.filter(isFlagCode),
      flagsClosed: saved.change.flagsClosed.filter(isFlagCode),
    });
  } catch (error) {
    if (isAppError(error) && error.code === "conflict") {
      revalidatePath(`/patients/${input.patientId}/assess`);
      return { ok: false, message: error.message };
    }
    throw error;
  }
  revalidatePath(`/patients/${input.patientId}`);
  revalidatePath("/patients");
  // The patient page says what changed (tier before → after, flags opened and closed).
  redirect(`/patients/${input.patientId}?${notice}`);
});
