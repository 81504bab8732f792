import "server-only";
import type { Db } from "./db";
import type { Actor } from "@/lib/auth/actor";
import { actorId } from "@/lib/auth/actor";
import { AppError } from "@/lib/errors";

/** Views the actor may open: their own and those shared in their clinic. */
export async function listSavedViews(db: Db, actor: Actor) {
  const ownerId = actorId(actor);
  return db.savedView.findMany({
    where: { clinicId: actor.clinicId, OR: [{ isShared: true }, ...(ownerId ? [{ ownerId }] : [])] },
    select: { id: true, name: true, query: true, isShared: true, ownerId: true },
    orderBy: { name: "asc" },
  });
}

export async function saveView(db: Db, actor: Actor, input: { name: string; query: string; isShared: boolean }) {
  const ownerId = actorId(actor);
  if (!ownerId) throw new AppError("forbidden", "Only a signed-in user can save a view.");
  return db.savedView.create({
    data: { clinicId: actor.clinicId, ownerId, name: input.name, query: input.query, isShared: input.isShared },
    select: { id: true },
  });
}
