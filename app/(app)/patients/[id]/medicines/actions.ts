"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { guardedAction, type ActionState } from "@/lib/auth/guarded";
import { getDb } from "@/lib/data/db/client";
import { addCondition, addMedication, resolveCondition, stopMedication, updateMedication, type MedicationChangeResult } from "@/lib/data/patients/medications";
import { isAppError } from "@/lib/errors";
import {
  CONDITION_LABELS,
  conditionChangeSchema,
  medicationAddSchema,
  medicationEditSchema,
  medicationStopSchema,
} from "@/lib/validation/medication-form";

/**
 * Each change refreshes this page, the patient page (medicine list, B12 flags) and the panel (its
 * medicine filter). A conflict — someone else changed the patient first — also refreshes the page,
 * so the lists show the current state beside the message.
 */
async function changeAndRefresh(change: () => Promise<MedicationChangeResult>, message: string): Promise<ActionState> {
  try {
    const result = await change();
    revalidatePath(`/patients/${result.patientId}/medicines`);
    revalidatePath(`/patients/${result.patientId}`);
    revalidatePath("/patients");
    return { ok: true, message };
  } catch (error) {
    if (isAppError(error) && error.code === "conflict") {
      revalidatePath("/patients/[id]/medicines", "page");
      return { ok: false, message: error.message };
    }
    throw error;
  }
}

export const addMedicationAction = guardedAction("patient:edit", medicationAddSchema, async (input, actor) => {
  const state = await changeAndRefresh(
    () => addMedication(getDb(), actor, input.patientId, { catalogueId: input.catalogueId, name: input.name, startedOn: input.startedOn }, input.expectedVersion, new Date()),
    "",
  );
  if (!state.ok) return state;
  redirect(`/patients/${input.patientId}/medicines?added=${encodeURIComponent(input.name)}`);
});

export const stopMedicationAction = guardedAction("patient:edit", medicationStopSchema, async (input, actor) =>
  changeAndRefresh(() => stopMedication(getDb(), actor, input.medicationId, input.stoppedOn, input.expectedVersion, new Date()), "Medicine stopped."),
);

export const editMedicationAction = guardedAction("patient:edit", medicationEditSchema, async (input, actor) =>
  changeAndRefresh(() => updateMedication(getDb(), actor, input.medicationId, { startedOn: input.startedOn, stoppedOn: input.stoppedOn }, input.expectedVersion, new Date()), "Dates saved."),
);

export const addConditionAction = guardedAction("patient:edit", conditionChangeSchema, async (input, actor) =>
  changeAndRefresh(() => addCondition(getDb(), actor, input.patientId, input.code, input.expectedVersion, new Date()), `${CONDITION_LABELS[input.code]} recorded.`),
);

export const resolveConditionAction = guardedAction("patient:edit", conditionChangeSchema, async (input, actor) =>
  changeAndRefresh(() => resolveCondition(getDb(), actor, input.patientId, input.code, input.expectedVersion, new Date()), `${CONDITION_LABELS[input.code]} marked resolved.`),
);
