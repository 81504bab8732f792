"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { guardedAction } from "@/lib/auth/guarded";
import { getDb } from "@/lib/data/db";
import { saveView } from "@/lib/data/saved-views";

const saveViewSchema = z.object({
  name: z.string().trim().min(1, "Give the view a name.").max(80, "Use at most 80 characters."),
  query: z.string().max(2000).refine((q) => q === "" || q.startsWith("?"), "Not a panel query."),
  shared: z.literal("on").optional(),
});

/** Saves the panel's current filters and sort as a named view. */
export const saveViewAction = guardedAction("panel:view", saveViewSchema, async (input, actor) => {
  await saveView(getDb(), actor, { name: input.name, query: input.query, isShared: input.shared === "on" });
  revalidatePath("/patients");
  return { ok: true, message: `Saved "${input.name}".` };
});
