"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { guardedAction, type ActionState } from "@/lib/auth/guarded";
import { getDb } from "@/lib/data/db/client";
import { createThresholdVersion, getActiveThresholds } from "@/lib/data/evaluation/thresholds";
import { parseThresholdForm } from "@/lib/validation/threshold-form";
import { confirmationToken, type GuidelineDeviation } from "@/lib/domain/threshold-governance";

/** The form's state: field errors, or the second step listing the values to confirm. */
export interface ThresholdActionState extends ActionState {
  /** Values more than 10 % from their guideline, waiting for the admin's confirmation. */
  confirm?: GuidelineDeviation[];
  /** What the "Confirm and save" button sends back (the values confirmed). */
  confirmToken?: string;
}

/**
 * Saves the edited thresholds as a new version. Field problems come back beside the fields; a
 * value more than 10 % from its guideline comes back for confirmation first (nothing saved), and
 * is saved once the same values are confirmed.
 */
export const saveThresholdsAction = guardedAction("thresholds:edit", z.record(z.string(), z.unknown()), async (form, actor): Promise<ThresholdActionState> => {
  const db = getDb();
  const current = await getActiveThresholds(db, actor.clinicId, new Date());
  const parsed = parseThresholdForm(current.values, form);
  if (!parsed.ok) return { ok: false, fieldErrors: parsed.fieldErrors, message: "Some values need attention; nothing was saved." };
  if (parsed.unconfirmed.length > 0) {
    const n = parsed.deviations.length;
    return {
      ok: false,
      message: `${n === 1 ? "One value is" : `${n} values are`} more than 10 % from the guideline value: confirm below, or change ${n === 1 ? "it" : "them"}. Nothing was saved yet.`,
      confirm: parsed.deviations,
      confirmToken: confirmationToken(parsed.deviations),
    };
  }
  const created = await createThresholdVersion(db, actor, { values: parsed.values, effectiveFrom: parsed.effectiveFrom, note: parsed.note, confirmedDeviations: parsed.deviations });
  redirect(`/thresholds?saved=${created.version}`);
});
