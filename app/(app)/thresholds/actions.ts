"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { guardedAction } from "@/lib/auth/guarded";
import { getDb } from "@/lib/data/db/client";
import { createThresholdVersion, getActiveThresholds } from "@/lib/data/evaluation/thresholds";
import { parseThresholdForm } from "@/lib/validation/threshold-form";

/** Saves the edited thresholds as a new version; field problems come back beside the fields. */
export const saveThresholdsAction = guardedAction("thresholds:edit", z.record(z.string(), z.unknown()), async (form, actor) => {
  const db = getDb();
  const current = await getActiveThresholds(db, actor.clinicId, new Date());
  const parsed = parseThresholdForm(current.values, form);
  if (!parsed.ok) return { ok: false, fieldErrors: parsed.fieldErrors, message: "Some values need attention; nothing was saved." };
  const created = await createThresholdVersion(db, actor, parsed);
  redirect(`/thresholds?saved=${created.version}`);
});
