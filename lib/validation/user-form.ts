import { z } from "zod";
import { ROLES, type Role } from "@/lib/data/access/roles";
import { TEXT_LIMITS } from "@/lib/domain/text-rules";
import { safeText } from "./safe-text";

/**
 * The Users page's forms (app/(app)/users): adding a user (email, name, role; the password is
 * generated and shown once), and the per-user actions, which carry the user's id.
 */

export const ROLE_LABELS: Record<Role, string> = { admin: "Admin", clinician: "Clinician", analyst: "Analyst" };

/** What each role may do, in a sentence for the form's hint (lib/data/access/roles.ts has the table). */
export const ROLE_HINT = "Admins do everything, including users, thresholds and the audit log; clinicians the panel, patients, flags, import and export; analysts the clinic summary and the de-identified export only.";

const role = z.enum(ROLES, { error: "Choose a role: admin, clinician or analyst." });

/** An email address as people type it (trimmed, lower-cased); the check is a sanity check, not RFC 5322. */
const email = z
  .string({ error: "Enter the user's email address." })
  .trim()
  .toLowerCase()
  .superRefine((text, ctx) => {
    if (text === "") ctx.addIssue({ code: "custom", message: "Enter the user's email address." });
    else if (text.length > 254) ctx.addIssue({ code: "custom", message: "An email address has at most 254 characters." });
    else if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(text)) ctx.addIssue({ code: "custom", message: `“${text}” is not an email address: write it as name@example.org.` });
  });

export const addUserFormSchema = z.object({
  email,
  name: safeText({ label: "The name", max: TEXT_LIMITS.name, min: 1, minMessage: "Enter the user's name as colleagues know it.", typeMessage: "Enter the user's name as colleagues know it." }),
  role,
});

const userId = z.string({ error: "The user is missing; reload the page." }).trim().min(1, { error: "The user is missing; reload the page." });

export const userActionFormSchema = z.object({ userId });
export const changeRoleFormSchema = z.object({ userId, role });
