import "server-only";
import { headers } from "next/headers";
import type { z } from "zod";
import { env } from "@/lib/config/env";
import { AppError, HTTP_STATUS, isAppError } from "@/lib/errors";
import type { UserActor } from "@/lib/data/access/actor";
import type { Permission } from "@/lib/data/access/roles";
import { cameThroughTrustedProxy } from "./client-address";
import { isSameOrigin, isStateChangingMethod, type HeaderGetter } from "./origin";
import { requireActor } from "./session";

const CROSS_SITE_MESSAGE = "This request did not come from this site's pages.";

/** The request comes from one of this site's pages (lib/auth/origin.ts), judged with the app's settings. */
function fromOurPages(requestHeaders: HeaderGetter): boolean {
  const settings = env();
  return isSameOrigin(requestHeaders, {
    publicOrigin: settings.NEXTAUTH_URL,
    trustForwardedHost: cameThroughTrustedProxy(requestHeaders, settings.TRUSTED_PROXIES),
  });
}

/** A 403 for a state-changing request that did not come from this site's pages, else null. */
export function refuseCrossSite(requestHeaders: HeaderGetter): Response | null {
  if (fromOurPages(requestHeaders)) return null;
  return Response.json({ error: "forbidden", message: CROSS_SITE_MESSAGE }, { status: HTTP_STATUS.forbidden });
}

/** What a form's server action returns: field errors beside the fields, or a form-level message. */
export interface ActionState {
  ok: boolean;
  message?: string;
  fieldErrors?: Record<string, string[]>;
  /** What was submitted, returned with a refusal so the form can show it again (nothing typed is lost). */
  values?: Record<string, string>;
  /** A generated password, shown once to the admin who asked for it (never stored in clear or logged). */
  oneTimePassword?: string;
}

/** The submitted text fields, minus Next's internal fields and anything secret (passwords, an EHR client secret). */
function submittedValues(formData: FormData): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [key, value] of formData) {
    if (typeof value === "string" && !key.startsWith("$ACTION") && !/password|secret/i.test(key)) values[key] = value;
  }
  return values;
}

/**
 * The one wrapper for server actions: every action is a public endpoint, so it checks that the
 * request came from this site's pages (a request without `Origin` or `Sec-Fetch-Site:
 * same-origin` is refused before anything runs), authenticates, authorises and validates inside
 * itself (docs/code-style.md#principles, 4). Validation problems come back as state; an AppError becomes a form
 * message; anything else is rethrown. `R` is the action's own state when it returns more than
 * ActionState (the threshold form's confirmation step).
 */
export function guardedAction<S extends z.ZodType, R extends ActionState = ActionState>(
  permission: Permission,
  schema: S,
  run: (input: z.infer<S>, actor: UserActor) => Promise<R>,
) {
  return async (previous: R | ActionState | undefined, formData: FormData): Promise<R | ActionState> => {
    const state = await runGuarded(previous, formData);
    return state.ok ? state : { ...state, values: submittedValues(formData) };
  };

  async function runGuarded(_previous: R | ActionState | undefined, formData: FormData): Promise<R | ActionState> {
    // The action protocol answers 200 with the returned state; the refusal is that state.
    if (!fromOurPages(await headers())) return { ok: false, message: CROSS_SITE_MESSAGE };
    let actor: UserActor;
    try {
      actor = await requireActor(permission);
    } catch (error) {
      if (isAppError(error)) return { ok: false, message: error.message };
      throw error;
    }
    const parsed = schema.safeParse(Object.fromEntries(formData));
    if (!parsed.success) {
      const fieldErrors: Record<string, string[]> = {};
      for (const issue of parsed.error.issues) (fieldErrors[String(issue.path[0] ?? "form")] ??= []).push(issue.message);
      return { ok: false, fieldErrors, message: "Check the highlighted fields." };
    }
    try {
      return await run(parsed.data, actor);
    } catch (error) {
      if (isAppError(error)) return { ok: false, message: error.message };
      throw error;
    }
  }
}

/**
 * The one wrapper for route handlers: refuses a state-changing request from another origin
 * (lib/auth/origin.ts), authenticates and authorises, and maps AppError to its HTTP status with a
 * JSON body `{ error, message }`.
 */
export function guardedRoute<C>(permission: Permission, run: (request: Request, actor: UserActor, context: C) => Promise<Response>) {
  return async (request: Request, context: C): Promise<Response> => {
    try {
      if (isStateChangingMethod(request.method) && !fromOurPages(request.headers)) throw new AppError("forbidden", CROSS_SITE_MESSAGE);
      const actor = await requireActor(permission);
      return await run(request, actor, context);
    } catch (error) {
      if (isAppError(error)) return Response.json({ error: error.code, message: error.message }, { status: HTTP_STATUS[error.code] });
      throw error;
    }
  };
}

export { AppError };
