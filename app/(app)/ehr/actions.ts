"use server";

import { revalidatePath } from "next/cache";
import { guardedAction } from "@/lib/auth/guarded";
import { getDb } from "@/lib/data/db/client";
import { linkEhrUser, saveEhrConnection } from "@/lib/data/ehr/connections";
import { ehrFormSchema, ehrUserLinkFormSchema } from "@/lib/validation/ehr-form";

/** The EHR page's actions (admins only, permission users:manage); the data layer checks and audits. */

export const saveEhrAction = guardedAction("users:manage", ehrFormSchema, async (input, actor) => {
  const saved = await saveEhrConnection(getDb(), actor, input);
  revalidatePath("/ehr");
  return { ok: true, message: saved.created ? `Registered ${saved.name}. Link its users below, then launch the app from the EHR.` : `Saved ${saved.name}.` };
});

export const linkEhrUserAction = guardedAction("users:manage", ehrUserLinkFormSchema, async (input, actor) => {
  const result = await linkEhrUser(getDb(), actor, { id: input.ehrId }, { id: input.userId }, input.fhirUser);
  revalidatePath("/ehr");
  return { ok: true, message: result.after ? `${result.email} is ${result.after} in ${result.ehr}.` : `${result.email} is no longer linked in ${result.ehr}.` };
});
