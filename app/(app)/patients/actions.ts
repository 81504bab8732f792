"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { guardedAction } from "@/lib/auth/guarded";
import { getDb } from "@/lib/data/db/client";
import { deleteSavedView, saveView, updateSavedView } from "@/lib/data/patients/saved-views";
import { parsePanelParams, savedViewQueryString } from "@/lib/validation/panel-query";
import { savedViewNameSchema } from "@/lib/validation/saved-view";

const viewName = savedViewNameSchema;

/** A panel query as the page hands it over, re-validated and stored in its canonical form. */
const viewQuery = z
  .string()
  .max(4000, "The view is too long to save.")
  .refine((q) => q === "" || q.startsWith("?"), "Not a panel query.")
  .transform((q, ctx) => {
    const { query, issues } = parsePanelParams(Object.fromEntries(new URLSearchParams(q)));
    for (const issue of issues) ctx.addIssue({ code: "custom", message: issue.message });
    return savedViewQueryString(query);
  });

const saveViewSchema = z.object({
  name: viewName,
  query: viewQuery,
  shared: z.literal("on").optional(),
});

/** Saves the panel's current filters, cohort criteria and sort as a named view. */
export const saveViewAction = guardedAction("panel:view", saveViewSchema, async (input, actor) => {
  await saveView(getDb(), actor, { name: input.name, query: input.query, isShared: input.shared === "on" });
  revalidatePath("/patients");
  return { ok: true, message: `Saved "${input.name}".` };
});

const updateViewSchema = z.object({
  id: z.string().min(1).max(64),
  name: viewName,
  shared: z.literal("on").optional(),
  /** Present when the owner chose to replace the view's criteria with the ones on screen. */
  replaceQuery: z.literal("on").optional(),
  query: viewQuery,
});

/** Renames a view, shares or unshares it, and optionally points it at the cohort on screen (owner only). */
export const updateViewAction = guardedAction("panel:view", updateViewSchema, async (input, actor) => {
  const view = await updateSavedView(getDb(), actor, input.id, {
    name: input.name,
    isShared: input.shared === "on",
    ...(input.replaceQuery === "on" ? { query: input.query } : {}),
  });
  revalidatePath("/patients");
  return { ok: true, message: `Updated "${view.name}".` };
});

const deleteViewSchema = z.object({ id: z.string().min(1).max(64), name: z.string().max(80).optional() });

/** Deletes a saved view (owner only). */
export const deleteViewAction = guardedAction("panel:view", deleteViewSchema, async (input, actor) => {
  await deleteSavedView(getDb(), actor, input.id);
  revalidatePath("/patients");
  return { ok: true, message: `Deleted "${input.name ?? "the view"}".` };
});
