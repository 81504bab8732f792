/**
 * Who may do what (docs/design.md#roles-and-security), as one table. Every guard, server action and route
 * handler asks `can(role, permission)`; tests walk this table route by route.
 */
export const ROLES = ["admin", "clinician", "analyst"] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = [
  "panel:view", // identified patient list
  "patient:view",
  "patient:edit", // enter assessments, medicines, corrections
  "flag:act", // outreach, close, reopen
  "export:identified",
  "export:deidentified",
  "import:run",
  "summary:view",
  "thresholds:view",
  "thresholds:edit",
  "recompute:run",
  "users:manage",
  "audit:view",
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const MATRIX: Record<Role, readonly Permission[]> = {
  admin: PERMISSIONS,
  clinician: ["panel:view", "patient:view", "patient:edit", "flag:act", "export:identified", "export:deidentified", "import:run", "summary:view", "thresholds:view"],
  analyst: ["summary:view", "thresholds:view", "export:deidentified"],
};

export function can(role: Role, permission: Permission): boolean {
  return MATRIX[role].includes(permission);
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** Where each role lands after signing in. */
export const HOME_BY_ROLE: Record<Role, string> = {
  admin: "/patients",
  clinician: "/patients",
  analyst: "/summary",
};
