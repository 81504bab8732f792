"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { cookies } from "next/headers";
import { REMOVED_EHR_COOKIE } from "./removed";
import { guardedAction } from "@/lib/auth/guarded";
import { getDb } from "@/lib/data/db/client";
import { linkEhrUser, removeEhrConnection, saveEhrConnection } from "@/lib/data/ehr/connections";
import { ehrFormSchema, ehrRemoveFormSchema, ehrUserLinkFormSchema } from "@/lib/validation/ehr-form";

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

export const removeEhrAction = guardedAction("users:manage", ehrRemoveFormSchema, async (input, actor) => {
  const removed = await removeEhrConnection(getDb(), actor, { id: input.ehrId });
  revalidatePath("/ehr");
  // The form goes with the EHR it removed, so the page itself says what happened: told by a
  // short-lived cookie only this action sets (a query parameter would let any link say it); it
  // holds the EHR's name only, which this page shows its admins anyway.
  (await cookies()).set(REMOVED_EHR_COOKIE, removed.name, { path: "/ehr", maxAge: 30, httpOnly: true, sameSite: "strict" });
  redirect("/ehr");
});
