import type { Role } from "./roles";

/** A signed-in person acting through the web app. */
export interface UserActor {
  kind: "user";
  userId: string;
  clinicId: string;
  role: Role;
  name: string;
  email: string;
}

/** The CLI or a background job acting on one clinic's data (audited as the system actor). */
export interface SystemActor {
  kind: "system";
  clinicId: string;
  label: string;
}

export type Actor = UserActor | SystemActor;

/** The system actor may do what an admin may. */
export function actorRole(actor: Actor): Role {
  return actor.kind === "system" ? "admin" : actor.role;
}

export function actorId(actor: Actor): string | null {
  return actor.kind === "user" ? actor.userId : null;
}

export function actorLabel(actor: Actor): string {
  return actor.kind === "user" ? actor.email : `system:${actor.label}`;
}
