"use server";

import { revalidatePath } from "next/cache";
import { guardedAction } from "@/lib/auth/guarded";
import { generatePassword } from "@/lib/data/auth/password";
import { changeUserRole, createUser, disableUser, enableUser, resetUserPassword } from "@/lib/data/auth/users";
import { getDb } from "@/lib/data/db/client";
import { isAppError } from "@/lib/errors";
import { addUserFormSchema, changeRoleFormSchema, userActionFormSchema } from "@/lib/validation/user-form";

/**
 * The Users page's actions (admins only, permission users:manage). Each refreshes the list; a
 * generated password goes back to the admin once, in the action's response, and nowhere else.
 */

export const addUserAction = guardedAction("users:manage", addUserFormSchema, async (input, actor) => {
  const password = generatePassword();
  try {
    const user = await createUser(getDb(), actor, { ...input, password });
    revalidatePath("/users");
    return { ok: true, message: `Added ${user.email} as ${user.role}. Give them this password, which is shown only now; they sign in with it at once.`, oneTimePassword: password };
  } catch (error) {
    if (isAppError(error) && error.code === "conflict") return { ok: false, fieldErrors: { email: [error.message] }, message: "Check the highlighted fields." };
    throw error;
  }
});

export const disableUserAction = guardedAction("users:manage", userActionFormSchema, async (input, actor) => {
  const result = await disableUser(getDb(), actor, { id: input.userId });
  revalidatePath("/users");
  const sessions = result.sessionsEnded === 1 ? "1 open session" : `${result.sessionsEnded} open sessions`;
  return { ok: true, message: `Disabled ${result.email}; ${sessions} ended. They can no longer sign in.` };
});

export const enableUserAction = guardedAction("users:manage", userActionFormSchema, async (input, actor) => {
  const result = await enableUser(getDb(), actor, { id: input.userId });
  revalidatePath("/users");
  return { ok: true, message: `${result.email} can sign in again.` };
});

export const resetPasswordAction = guardedAction("users:manage", userActionFormSchema, async (input, actor) => {
  const result = await resetUserPassword(getDb(), actor, { id: input.userId });
  revalidatePath("/users");
  const sessions = result.sessionsEnded === 0 ? "" : ` Their ${result.sessionsEnded === 1 ? "open session was" : `${result.sessionsEnded} open sessions were`} ended.`;
  return { ok: true, message: `New password for ${result.email}, shown only now; the old one no longer works.${sessions}`, oneTimePassword: result.password };
});

export const changeRoleAction = guardedAction("users:manage", changeRoleFormSchema, async (input, actor) => {
  const result = await changeUserRole(getDb(), actor, { id: input.userId }, input.role);
  revalidatePath("/users");
  return { ok: true, message: `${result.email} is now ${result.after === "admin" ? "an" : "a"} ${result.after} (was ${result.before}); it applies from their next page.` };
});
